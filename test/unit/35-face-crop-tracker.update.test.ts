import assert from 'node:assert/strict';
import type { Rect } from '../../src/pipeline/frame.js';
import { FaceCropTracker, faceBox, faceInFrame, fullFrameRoi, paddedFaceCrop } from '../../src/pipeline/matte/face-crop.js';

const M = 128; // model size (square)
const FRAME = { width: 1280, height: 720 };

/** The matte a model would give for `roi` with a face occupying `face` (frame pixels). */
function matteFor(roi: Rect, face: Rect | null): Float32Array {
  const alpha = new Float32Array(M * M);
  if (!face) return alpha;
  for (let y = 0; y < M; y++) {
    for (let x = 0; x < M; x++) {
      const fx = roi.x + ((x + 0.5) * roi.width) / M;
      const fy = roi.y + ((y + 0.5) * roi.height) / M;
      if (fx >= face.x && fx < face.x + face.width && fy >= face.y && fy < face.y + face.height) alpha[y * M + x] = 1;
    }
  }
  return alpha;
}

/** One step of the loop the engine runs: roi for this frame, matte, update. Returns the roi used. */
function step(tracker: FaceCropTracker, face: Rect | null): Rect {
  const roi = tracker.roiFor(FRAME.width, FRAME.height);
  tracker.update(faceBox(matteFor(roi, face), M, M), M, M, roi);
  return roi;
}

function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

describe('fullFrameRoi', function () {
  it('letterboxes the frame into the model aspect, centred', function () {
    assert.deepEqual(fullFrameRoi(1280, 720, 1), { x: 0, y: -280, width: 1280, height: 1280 });
    assert.deepEqual(fullFrameRoi(480, 640, 1), { x: -80, y: 0, width: 640, height: 640 });
    assert.deepEqual(fullFrameRoi(1280, 720, 16 / 9), { x: 0, y: 0, width: 1280, height: 720 });
  });
});

describe('FaceCropTracker#update', function () {
  it('crops around a small face with padding, at the model aspect, after one full-frame matte', function () {
    const tracker = new FaceCropTracker(M, M);
    const face = { x: 800, y: 200, width: 160, height: 200 };
    const first = step(tracker, face);
    assert.deepEqual(first, fullFrameRoi(1280, 720, 1));
    const crop = tracker.roiFor(1280, 720);
    assert.ok(tracker.cropping);
    assert.equal(crop.width, crop.height, 'square like the model');
    assert.ok(contains(crop, face), `crop ${JSON.stringify(crop)} cuts the face`);
    assert.ok(crop.width < 0.5 * 1280, `crop ${crop.width} px wide gains little`);
    // The face gets far more model pixels than in the full frame.
    assert.ok(face.height / crop.height > 2 * (face.height / first.height));
  });

  it('holds still while the face jitters inside the crop (hysteresis)', function () {
    const tracker = new FaceCropTracker(M, M);
    const face = { x: 600, y: 250, width: 150, height: 190 };
    step(tracker, face);
    const crop = tracker.roiFor(1280, 720);
    for (let f = 0; f < 10; f++) {
      const dx = (f % 3) * 6 - 6;
      const dy = (f % 2) * 5;
      const used = step(tracker, { x: face.x + dx, y: face.y + dy, width: face.width + (f % 2) * 8, height: face.height });
      assert.deepEqual(used, crop, `frame ${f} moved the crop`);
    }
  });

  it('follows a face that slides out of the crop, and regrows it when the face comes closer', function () {
    const tracker = new FaceCropTracker(M, M);
    step(tracker, { x: 300, y: 250, width: 150, height: 190 });
    const before = tracker.roiFor(1280, 720);
    // Half the face is now past the crop's right edge: the visible half touches the edge, so the
    // crop moves towards it, and within a few frames the whole face is inside again.
    const moved = { x: 420, y: 260, width: 150, height: 190 };
    for (let f = 0; f < 3; f++) step(tracker, moved);
    const after = tracker.roiFor(1280, 720);
    assert.ok(after.x > before.x, `crop did not move right: ${after.x} vs ${before.x}`);
    assert.ok(contains(after, moved), `crop ${JSON.stringify(after)} does not contain ${JSON.stringify(moved)}`);
    const closer = { x: 420, y: 150, width: 260, height: 330 };
    for (let f = 0; f < 3; f++) step(tracker, closer);
    const grown = tracker.roiFor(1280, 720);
    assert.ok(grown.width > after.width * 1.3, `crop did not grow: ${grown.width} vs ${after.width}`);
    assert.ok(contains(grown, closer), JSON.stringify(grown));
  });

  it('finds a face that jumped out of the crop through the full frame', function () {
    const tracker = new FaceCropTracker(M, M);
    step(tracker, { x: 300, y: 250, width: 150, height: 190 });
    const jumped = { x: 900, y: 260, width: 150, height: 190 };
    step(tracker, jumped);
    step(tracker, jumped);
    assert.deepEqual(tracker.roiFor(1280, 720), fullFrameRoi(1280, 720, 1), 'lost in the crop: back to the full frame');
    step(tracker, jumped);
    assert.ok(contains(tracker.roiFor(1280, 720), jumped));
  });

  it('goes back to the full frame when the face is lost for two mattes, not on one bad matte', function () {
    const tracker = new FaceCropTracker(M, M);
    step(tracker, { x: 800, y: 200, width: 160, height: 200 });
    assert.ok(tracker.cropping);
    step(tracker, null);
    assert.ok(tracker.cropping, 'one empty matte (e.g. a hand over the face) keeps the crop');
    step(tracker, null);
    assert.ok(!tracker.cropping);
    assert.deepEqual(tracker.roiFor(1280, 720), fullFrameRoi(1280, 720, 1));
  });

  it('uses the full frame when the face already fills most of it', function () {
    const tracker = new FaceCropTracker(M, M);
    step(tracker, { x: 340, y: 20, width: 600, height: 690 });
    assert.ok(!tracker.cropping);
  });

  it('starts over when the frame size changes', function () {
    const tracker = new FaceCropTracker(M, M);
    step(tracker, { x: 800, y: 200, width: 160, height: 200 });
    assert.deepEqual(tracker.roiFor(640, 480), fullFrameRoi(640, 480, 1));
  });

  it('pads a face box into the same crop as training/evaluate_deployed.py (shared case)', function () {
    // training/tests/test_evaluate_deployed.py checks its Python copy of the policy on this case.
    const face = faceInFrame({ count: 2000, x0: 100, y0: 80, x1: 139, y1: 129 }, 256, 256, { x: 0, y: 0, width: 512, height: 512 });
    assert.deepEqual(face, { x0: 200, y0: 160, x1: 280, y1: 260 });
    assert.deepEqual(paddedFaceCrop(face, 512, 512, 1), { x: 155, y: 125, width: 170, height: 170 });
    assert.deepEqual(paddedFaceCrop({ x0: 0, y0: 0, x1: 40, y1: 40 }, 512, 512, 1), { x: 0, y: 0, width: 128, height: 128 });
    assert.equal(paddedFaceCrop({ x0: 80, y0: 80, x1: 432, y1: 432 }, 512, 512, 1), null);
  });
});
