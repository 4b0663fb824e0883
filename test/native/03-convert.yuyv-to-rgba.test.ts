import assert from 'node:assert/strict';
import { rgbaToYuyv, yuyvToRgba } from '../../src/native/index.js';
import { gradientRgba, maxDifference, randomRgba, yuvToRgb } from './yuv-reference.js';

function referenceFromYuyv(yuyv: Uint8Array, width: number, height: number, matrix: 'bt601' | 'bt709'): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i += 2) {
    const [y0, u, y1, v] = yuyv.subarray(i * 2, i * 2 + 4);
    out.set([...yuvToRgb(y0, u, v, matrix), 255, ...yuvToRgb(y1, u, v, matrix), 255], i * 4);
  }
  return out;
}

/** Pixel pairs of one colour: what 4:2:2 keeps exactly. */
function pairedRgba(width: number, height: number): Uint8Array {
  const src = randomRgba(width, height, 3);
  for (let i = 0; i < width * height; i += 2) src.copyWithin((i + 1) * 4, i * 4, i * 4 + 4);
  return src;
}

describe('convert.yuyvToRgba', () => {
  for (const matrix of ['bt601', 'bt709'] as const) {
    it(`matches the floating-point reference within 1 on every YUYV value (${matrix})`, () => {
      const width = 128;
      const height = 4;
      const yuyv = new Uint8Array(width * height * 2);
      for (let i = 0; i < yuyv.length; i++) yuyv[i] = (i * 37 + (i >> 7) * 11) & 255;
      const dst = new Uint8Array(width * height * 4);
      yuyvToRgba(yuyv, width, height, dst, matrix);
      assert.ok(maxDifference(dst, referenceFromYuyv(yuyv, width, height, matrix)) <= 1);
    });

    it(`round-trips RGBA -> YUYV -> RGBA within the quantisation error (${matrix})`, () => {
      // Limited range keeps 219 luma and 225 chroma levels of 256: one step of error each way
      // plus rounding gives at most 3 on a channel where the pair shares its colour.
      const width = 64;
      const height = 16;
      const src = pairedRgba(width, height);
      const yuyv = new Uint8Array(width * height * 2);
      const back = new Uint8Array(width * height * 4);
      rgbaToYuyv(src, width, height, yuyv, matrix);
      yuyvToRgba(yuyv, width, height, back, matrix);
      assert.ok(maxDifference(back, src) <= 3, `max error ${maxDifference(back, src)}`);
    });
  }

  it('keeps smooth pictures close through 4:2:2 subsampling', () => {
    const width = 96;
    const height = 32;
    const src = gradientRgba(width, height);
    const yuyv = new Uint8Array(width * height * 2);
    const back = new Uint8Array(width * height * 4);
    rgbaToYuyv(src, width, height, yuyv);
    yuyvToRgba(yuyv, width, height, back);
    assert.ok(maxDifference(back, src) <= 6, `max error ${maxDifference(back, src)}`);
  });

  it('sets alpha to 255', () => {
    const dst = new Uint8Array(8).fill(0);
    yuyvToRgba(new Uint8Array([16, 128, 235, 128]), 2, 1, dst);
    assert.deepEqual([...dst], [0, 0, 0, 255, 255, 255, 255, 255]);
  });
});
