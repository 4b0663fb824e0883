import assert from 'node:assert/strict';
import { bilinearUpsample, boxMean, guidedUpsample, guidedUpsampleTypeScript } from '../../src/pipeline/matte/upsample.js';
import { TensorResizer } from '../../src/pipeline/matte/resize-to-tensor.js';

const FW = 512;
const FH = 384;

/** A bright disc (the face) on a dark background, and its exact matte. */
function discScene(): { rgba: Uint8Array; truth: Float32Array } {
  const rgba = new Uint8Array(FW * FH * 4);
  const truth = new Float32Array(FW * FH);
  for (let y = 0, i = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++, i++) {
      const inside = (x + 0.5 - 263) ** 2 + (y + 0.5 - 190) ** 2 <= 121.3 ** 2;
      const v = inside ? 200 : 45;
      rgba.set([v, inside ? 160 : 50, inside ? 140 : 60, 255], i * 4);
      truth[i] = inside ? 1 : 0;
    }
  }
  return { rgba, truth };
}

/** The truth as a model at 1/4 resolution would see it: area-averaged. */
function lowRes(truth: Float32Array, w: number, h: number): Float32Array {
  const asRgba = new Uint8Array(FW * FH * 4);
  for (let i = 0; i < truth.length; i++) asRgba[i * 4] = truth[i] * 255;
  const planes = new Float32Array(3 * w * h);
  new TensorResizer().resize(asRgba, FW, FH, { x: 0, y: 0, width: FW, height: FH }, planes, w, h, [0, 0, 0], [1, 1, 1], 255);
  return planes.subarray(0, w * h);
}

/** Mean absolute error over the pixels within `band` px of the true edge (where they differ). */
function edgeError(result: Float32Array, truth: Float32Array, band = 8): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++) {
      const d = Math.abs(Math.hypot(x + 0.5 - 263, y + 0.5 - 190) - 121.3);
      if (d > band) continue;
      const i = y * FW + x;
      sum += Math.abs(result[i] - truth[i]);
      n++;
    }
  }
  return sum / n;
}

// The native version when the addon loads (else the TypeScript one), and the TypeScript fallback.
for (const [name, upsample] of [['guidedUpsample', guidedUpsample], ['guidedUpsampleTypeScript', guidedUpsampleTypeScript]] as const) {
  describe(name, function () {
    it('puts the matte edge on the frame edge: sharper than bilinear upsampling', function () {
      const { rgba, truth } = discScene();
      const plane = { values: lowRes(truth, 128, 96), width: 128, height: 96, roi: { x: 0, y: 0, width: FW, height: FH } };
      const guided = new Float32Array(FW * FH);
      const bilinear = new Float32Array(FW * FH);
      upsample(plane, rgba, FW, FH, guided);
      bilinearUpsample(plane, FW, FH, bilinear);
      const guidedError = edgeError(guided, truth);
      const bilinearError = edgeError(bilinear, truth);
      assert.ok(guidedError < 0.5 * bilinearError, `guided ${guidedError.toFixed(4)} vs bilinear ${bilinearError.toFixed(4)}`);
      // Away from the edge both keep the flat values.
      assert.ok(guided[190 * FW + 263] > 0.97 && guided[10 * FW + 10] < 0.03);
    });

    it('writes 0 outside the matte region and maps the region onto the frame', function () {
      const { rgba } = discScene();
      const roi = { x: 100, y: -50, width: 300, height: 300 };
      const plane = { values: new Float32Array(64 * 64).fill(1), width: 64, height: 64, roi };
      const out = new Float32Array(FW * FH);
      upsample(plane, rgba, FW, FH, out);
      assert.equal(out[10 * FW + 50], 0, 'left of the region');
      assert.equal(out[300 * FW + 200], 0, 'below the region');
      assert.ok(Math.abs(out[100 * FW + 250] - 1) < 1e-3, `inside the region: ${out[100 * FW + 250]}`);
    });
  });
}

describe('boxMean', function () {
  it('averages a clipped (2r+1)^2 window', function () {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = boxMean(src, 3, 3, 1);
    assert.equal(out[4], 5);
    assert.equal(out[0], (1 + 2 + 4 + 5) / 4);
    assert.equal(out[8], (5 + 6 + 8 + 9) / 4);
  });
});
