import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';
import { packageRoot } from '../../src/config/paths.js';
import { createMatteEngine } from '../../src/pipeline/matte/index.js';
import { loadModelManifest } from '../../src/pipeline/matte/model-manifest.js';
import { MATTE_RING, OnnxMatteEngine } from '../../src/pipeline/matte/onnx-matte-engine.js';
import { mirrorRows } from '../../src/pipeline/matte/mirror.js';
import { uncertaintyFromLogVariance } from '../../src/pipeline/matte/postprocess.js';
import { TensorResizer } from '../../src/pipeline/matte/resize-to-tensor.js';
import { SHIPPED_MANIFEST, captureLogs, frameOf, synthFace } from './3x-matte-fixture.js';

describe('OnnxMatteEngine#run', function () {
  this.timeout(60000);
  let engine: OnnxMatteEngine;
  let logs: ReturnType<typeof captureLogs>;
  before(async () => {
    logs = captureLogs();
    engine = (await createMatteEngine({ provider: 'cpu', threads: 1, faceCrop: false, temporal: false })) as OnnxMatteEngine;
  });
  after(async () => {
    await engine.close();
    logs.stop();
  });

  it('gives a matte at the model resolution, alpha and uncertainty in [0,1], mapped to the letterboxed frame', async function () {
    const model = await loadModelManifest(SHIPPED_MANIFEST);
    const frame = frameOf(7, 1280, 720, synthFace(1280, 720));
    const matte = await engine.run(frame);
    assert.equal(matte.seq, 7);
    assert.equal(matte.captureMs, frame.captureMs);
    assert.equal(matte.width, model.manifest.input.width);
    assert.equal(matte.height, model.manifest.input.height);
    assert.equal(matte.alpha.length, matte.width * matte.height);
    assert.ok(matte.uncertainty, 'the shipped model has a log-variance output');
    assert.equal(matte.uncertainty!.length, matte.width * matte.height);
    for (const plane of [matte.alpha, matte.uncertainty!]) {
      for (const v of plane) assert.ok(v >= 0 && v <= 1, `value ${v} outside [0,1]`);
    }
    // A square model over a 16:9 frame: the whole width, padded above and below.
    assert.deepEqual(matte.roi, { x: 0, y: -280, width: 1280, height: 1280 });
  });

  it('returns exactly what onnxruntime computes for the same input tensor', async function () {
    const model = await loadModelManifest(SHIPPED_MANIFEST);
    const { width, height, mean, std, scale, name } = model.manifest.input;
    const rgba = synthFace(640, 480, { noise: 10 });
    const matte = await engine.run(frameOf(1, 640, 480, rgba));
    const input = new Float32Array(3 * width * height);
    new TensorResizer().resize(rgba, 640, 480, matte.roi, input, width, height, mean, std, scale);
    const session = await ort.InferenceSession.create(model.modelPath, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
    try {
      const out = await session.run({ [name]: new ort.Tensor('float32', input, [1, 3, height, width]) });
      const alpha = out[model.alpha.name].data as Float32Array;
      const expectedUncertainty = new Float32Array(width * height);
      uncertaintyFromLogVariance(out[model.logVariance!.name].data as Float32Array, expectedUncertainty);
      let worstAlpha = 0;
      let worstUncertainty = 0;
      for (let i = 0; i < alpha.length; i++) {
        worstAlpha = Math.max(worstAlpha, Math.abs(Math.min(1, Math.max(0, alpha[i])) - matte.alpha[i]));
        worstUncertainty = Math.max(worstUncertainty, Math.abs(expectedUncertainty[i] - matte.uncertainty![i]));
      }
      // The engine may use the native resize, which rounds differently in the last float bits.
      assert.ok(worstAlpha < 1e-3, `alpha differs by ${worstAlpha}`);
      assert.ok(worstUncertainty < 1e-3, `uncertainty differs by ${worstUncertainty}`);
    } finally {
      await session.release();
    }
  });

  it('keeps the event loop free while the model runs (inference in a worker thread)', async function () {
    const frame = frameOf(2, 640, 480, synthFace(640, 480));
    let turns = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await engine.run(frame);
    running = false;
    assert.ok(turns >= 2, `the event loop turned ${turns} times during run()`);
  });

  it('serialises overlapping runs in call order and reuses a ring of matte buffers', async function () {
    const frames = Array.from({ length: MATTE_RING + 1 }, (_, i) => frameOf(100 + i, 320, 240, synthFace(320, 240, { seed: i, noise: 5 })));
    const mattes = await Promise.all(frames.map((f) => engine.run(f)));
    assert.deepEqual(
      mattes.map((m) => m.seq),
      frames.map((f) => f.seq),
    );
    const buffers = new Set(mattes.map((m) => m.alpha));
    assert.equal(buffers.size, MATTE_RING);
    assert.equal(mattes[0].alpha, mattes[MATTE_RING].alpha);
  });

  it("runs the model on a caller's roi, which the face-crop tracker does not follow", async function () {
    // A real face (the sample clip) small in the middle of a 1280x720 frame, so the tracker crops.
    const png = execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', join(packageRoot(), 'assets', 'sample', 'sample.mp4'), '-frames:v', '1', '-vf', 'scale=640:360,pad=1280:720:320:180:gray', '-f', 'image2pipe', '-c:v', 'png', '-']);
    const frame = frameOf(1, 1280, 720, new Uint8Array(PNG.sync.read(png).data));
    const cropping = await createMatteEngine({ provider: 'cpu', threads: 1, faceCrop: true, temporal: false });
    try {
      const full = { x: 0, y: -280, width: 1280, height: 1280 };
      assert.deepEqual((await cropping.run(frame)).roi, full);
      // The crop settles within a few frames (each matte on a crop finds the face box more exactly).
      let crop = (await cropping.run(frame)).roi;
      for (let i = 0; i < 3; i++) crop = (await cropping.run(frame)).roi;
      assert.deepEqual((await cropping.run(frame)).roi, crop, 'the crop should have settled');
      assert.ok(crop.width < 640, `the tracker should crop around the face (roi ${JSON.stringify(crop)})`);
      // Two runs on a faceless corner: had the tracker counted them, it would have lost the face.
      const corner = { x: 0, y: 0, width: 200, height: 200 };
      for (let i = 0; i < 2; i++) {
        const matte = await cropping.run(frame, corner);
        assert.deepEqual(matte.roi, corner);
        assert.ok(matte.empty, 'no face in the corner');
      }
      assert.deepEqual((await cropping.run(frame)).roi, crop);
    } finally {
      await cropping.close();
    }
  });

  it('with flip averaging, mattes the mirrored frame too and averages the two, mirrored back', async function () {
    // A real face (the sample clip) in a 4:3 frame, whose full-frame region is left-right symmetric.
    const png = execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', join(packageRoot(), 'assets', 'sample', 'sample.mp4'), '-frames:v', '1', '-vf', 'scale=480:270,pad=480:360:0:45:gray', '-f', 'image2pipe', '-c:v', 'png', '-']);
    const rgba = new Uint8Array(PNG.sync.read(png).data);
    const one = await engine.run(frameOf(1, 480, 360, rgba));
    const plain = { alpha: one.alpha.slice(), uncertainty: one.uncertainty!.slice() };
    const other = await engine.run(frameOf(2, 480, 360, mirrorRows(rgba, 480, 360, 4)));
    const { width, height } = other;
    const back = { alpha: mirrorRows(other.alpha, width, height, 1), uncertainty: mirrorRows(other.uncertainty!, width, height, 1) };
    const flipping = await createMatteEngine({ provider: 'cpu', threads: 1, faceCrop: false, temporal: false, flipAverage: true });
    try {
      const averaged = await flipping.run(frameOf(3, 480, 360, rgba));
      assert.deepEqual(averaged.roi, one.roi);
      for (const plane of ['alpha', 'uncertainty'] as const) {
        let apart = 0;
        let worst = 0;
        for (let i = 0; i < width * height; i++) {
          apart = Math.max(apart, Math.abs(plain[plane][i] - back[plane][i]));
          worst = Math.max(worst, Math.abs(averaged[plane]![i] - 0.5 * (plain[plane][i] + back[plane][i])));
        }
        // The network is not symmetric: the two passes differ, so a skipped mirror pass would show.
        assert.ok(apart > 0.02, `${plane}: the frame and its mirror matte alike to ${apart}`);
        assert.ok(worst < 1e-3, `${plane}: differs from the mean of the two passes by ${worst}`);
      }
      // The input tensor is mirrored back after its pass: the next run is not disturbed by it.
      const again = await flipping.run(frameOf(4, 480, 360, rgba));
      assert.deepEqual(Array.from(again.alpha), Array.from(averaged.alpha));
    } finally {
      await flipping.close();
    }
  });

  it('rejects runs after close', async function () {
    const other = await createMatteEngine({ provider: 'cpu', threads: 1 });
    await other.close();
    await assert.rejects(other.run(frameOf(1, 64, 64, synthFace(64, 64))), /closed/);
  });
});
