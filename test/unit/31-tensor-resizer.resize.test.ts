import assert from 'node:assert/strict';
import { nativeStatus, resizeToTensor as nativeResize } from '../../src/native/index.js';
import type { Rect } from '../../src/pipeline/frame.js';
import { chooseResize, Preprocessor } from '../../src/pipeline/matte/preprocess.js';
import { TensorResizer, axisTaps } from '../../src/pipeline/matte/resize-to-tensor.js';
import { prng } from './3x-matte-fixture.js';

const IDENTITY = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number], scale: 1 };

function randomImage(width: number, height: number, seed: number): Uint8Array {
  const random = prng(seed);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = Math.floor(random() * 256);
  return rgba;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('TensorResizer#resize', function () {
  it('normalises (pixel / scale - mean) / std per plane, planar R, G, B', function () {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([255, 0, 51, 255], i * 4);
    const dst = new Float32Array(3 * 2 * 2);
    new TensorResizer().resize(rgba, 4, 4, { x: 0, y: 0, width: 4, height: 4 }, dst, 2, 2, [0.5, 0.5, 0.5], [0.5, 0.25, 0.5], 255);
    assert.deepEqual([...dst.subarray(0, 4)].map((v) => +v.toFixed(5)), [1, 1, 1, 1]);
    assert.deepEqual([...dst.subarray(4, 8)].map((v) => +v.toFixed(5)), [-2, -2, -2, -2]);
    assert.deepEqual([...dst.subarray(8, 12)].map((v) => +v.toFixed(5)), [-0.6, -0.6, -0.6, -0.6]);
  });

  it('averages areas when shrinking by more than 2x', function () {
    // 8x1 -> 2x1: each output averages four pixels.
    const rgba = new Uint8Array(8 * 4);
    [0, 10, 20, 30, 100, 100, 200, 200].forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const dst = new Float32Array(3 * 2);
    new TensorResizer().resize(rgba, 8, 1, { x: 0, y: 0, width: 8, height: 1 }, dst, 2, 1, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    assert.deepEqual([...dst.subarray(0, 2)], [15, 150]);
  });

  it('is the identity at scale 1 and interpolates bilinearly when enlarging', function () {
    const rgba = randomImage(5, 3, 7);
    const same = new Float32Array(3 * 15);
    new TensorResizer().resize(rgba, 5, 3, { x: 0, y: 0, width: 5, height: 3 }, same, 5, 3, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    for (let i = 0; i < 15; i++) assert.equal(same[i], rgba[i * 4]);
    // 2x1 -> 4x1: centres at 0.25, 0.75 (clamped to pixel 0 / a quarter of the way), ...
    const two = new Uint8Array([0, 0, 0, 255, 100, 100, 100, 255]);
    const four = new Float32Array(3 * 4);
    new TensorResizer().resize(two, 2, 1, { x: 0, y: 0, width: 2, height: 1 }, four, 4, 1, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    assert.deepEqual([...four.subarray(0, 4)], [0, 25, 75, 100]);
  });

  it('pads with black where the region leaves the frame (letterbox)', function () {
    const rgba = new Uint8Array(4 * 2 * 4).fill(200);
    const dst = new Float32Array(3 * 4 * 4);
    // A 4x4 region over a 4x2 frame, one row of black above and below.
    new TensorResizer().resize(rgba, 4, 2, { x: 0, y: -1, width: 4, height: 4 }, dst, 4, 4, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    const rows = [0, 1, 2, 3].map((y) => [...dst.subarray(y * 4, y * 4 + 4)]);
    assert.deepEqual(rows, [[0, 0, 0, 0], [200, 200, 200, 200], [200, 200, 200, 200], [0, 0, 0, 0]]);
  });

  it('keeps its tap tables across frames and rebuilds them when the geometry changes', function () {
    const resizer = new TensorResizer();
    const a = randomImage(64, 48, 1);
    const out1 = new Float32Array(3 * 16 * 16);
    const out2 = new Float32Array(3 * 16 * 16);
    resizer.resize(a, 64, 48, { x: 8, y: 0, width: 48, height: 48 }, out1, 16, 16, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    resizer.resize(a, 64, 48, { x: 0, y: 0, width: 32, height: 32 }, out2, 16, 16, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    const fresh = new Float32Array(3 * 16 * 16);
    new TensorResizer().resize(a, 64, 48, { x: 0, y: 0, width: 32, height: 32 }, fresh, 16, 16, IDENTITY.mean, IDENTITY.std, IDENTITY.scale);
    assert.deepEqual(out2, fresh);
  });

  it('gives area taps whose weights sum to 1 inside the frame', function () {
    const taps = axisTaps(1280, 0, 1280, 256);
    for (let d = 0; d < 256; d++) {
      let sum = 0;
      for (let k = 0; k < taps.count[d]; k++) sum += taps.weights[d * taps.maxTaps + k];
      assert.ok(Math.abs(sum - 1) < 1e-5, `destination ${d} sums to ${sum}`);
    }
  });
});

describe('resizeToTensor: native and TypeScript agree', function () {
  const cases: { name: string; roi: Rect; dst: [number, number] }[] = [
    { name: 'full 720p frame, letterboxed to a square (area)', roi: { x: 0, y: -280, width: 1280, height: 1280 }, dst: [256, 256] },
    { name: 'face crop inside the frame (bilinear, < 2x)', roi: { x: 500, y: 120, width: 400, height: 400 }, dst: [256, 256] },
    { name: 'crop leaving the frame at the right and bottom', roi: { x: 1000, y: 500, width: 420, height: 420 }, dst: [192, 192] },
    { name: 'enlarging a small region', roi: { x: 10, y: 20, width: 100, height: 60 }, dst: [256, 160] },
  ];

  it('uses the native resize when the addon loads, else says why not', function () {
    const choice = chooseResize();
    const status = nativeStatus();
    if (status.ok) {
      assert.equal(choice.implementation, 'native');
      assert.equal(choice.reason, null);
    } else {
      assert.equal(choice.implementation, 'typescript');
      assert.match(choice.reason ?? '', /native addon/);
    }
  });

  for (const c of cases) {
    it(`matches within float rounding: ${c.name}`, function () {
      const status = nativeStatus();
      assert.ok(status.ok, `the native addon must be built for this comparison (npm run build:native): ${status.ok ? '' : status.reason}`);
      const rgba = randomImage(1280, 720, 3);
      const [w, h] = c.dst;
      const mean = [0.485, 0.456, 0.406] as [number, number, number];
      const std = [0.229, 0.224, 0.225] as [number, number, number];
      const ours = new Float32Array(3 * w * h);
      const theirs = new Float32Array(3 * w * h);
      new TensorResizer().resize(rgba, 1280, 720, c.roi, ours, w, h, mean, std, 255);
      nativeResize(rgba, 1280, 720, c.roi, theirs, w, h, mean, std, 255);
      // Normalised values span about +-2.6; 1e-3 is far below one pixel level (1/255/0.229 = 0.017).
      assert.ok(maxAbsDiff(ours, theirs) < 1e-3, `max difference ${maxAbsDiff(ours, theirs)}`);
    });
  }
});

describe('Preprocessor', function () {
  it('feeds BGR models their planes in B, G, R order and recovers the luma', function () {
    const spec = { name: 'image', layout: 'NCHW' as const, width: 4, height: 4, dynamic: false, scale: 255, mean: [0.1, 0.2, 0.3] as const, std: [0.5, 0.6, 0.7] as const };
    const rgba = new Uint8Array(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set([255, 128, 0, 255], i * 4);
    const rgb = new Float32Array(48);
    const bgr = new Float32Array(48);
    const typescript = { resize: new TensorResizer().resize, implementation: 'typescript' as const, reason: 'test' };
    new Preprocessor({ ...spec, colorOrder: 'RGB' }, typescript).run(rgba, 8, 8, { x: 0, y: 0, width: 8, height: 8 }, rgb);
    const bgrPre = new Preprocessor({ ...spec, colorOrder: 'BGR' }, typescript);
    bgrPre.run(rgba, 8, 8, { x: 0, y: 0, width: 8, height: 8 }, bgr);
    assert.ok(Math.abs(rgb[0] - (1 - 0.1) / 0.5) < 1e-5, `R plane ${rgb[0]}`);
    assert.ok(Math.abs(bgr[0] - (0 - 0.1) / 0.5) < 1e-5, `B plane first in BGR ${bgr[0]}`);
    assert.ok(Math.abs(bgr[32] - (1 - 0.3) / 0.7) < 1e-5, `R plane last in BGR ${bgr[32]}`);
    const luma = new Float32Array(16);
    bgrPre.luma(bgr, luma);
    const expected = 0.299 * 1 + 0.587 * (128 / 255);
    assert.ok(Math.abs(luma[5] - expected) < 1e-5, `luma ${luma[5]} vs ${expected}`);
  });
});
