import assert from 'node:assert/strict';
import { rgbaToYuyv } from '../../src/native/index.js';
import { maxDifference, randomRgba, referenceYuyv } from './yuv-reference.js';

function pixels(...colours: Array<[number, number, number]>): Uint8Array {
  return new Uint8Array(colours.flatMap(([r, g, b]) => [r, g, b, 255]));
}

describe('convert.rgbaToYuyv', () => {
  it('gives the standard limited-range values for black, white and the primaries (BT.601)', () => {
    const src = pixels([0, 0, 0], [255, 255, 255], [255, 0, 0], [255, 0, 0], [0, 255, 0], [0, 255, 0], [0, 0, 255], [0, 0, 255]);
    const dst = new Uint8Array(8 * 2);
    rgbaToYuyv(src, 8, 1, dst);
    // Pair 1 mixes black and white: Y 16 and 235, chroma neutral.
    assert.deepEqual([...dst.subarray(0, 4)], [16, 128, 235, 128]);
    // Red, green, blue as every BT.601 table gives them (Y, Cb, Y, Cr).
    assert.deepEqual([...dst.subarray(4, 8)], [81, 90, 81, 240]);
    assert.deepEqual([...dst.subarray(8, 12)], [145, 54, 145, 34]);
    assert.deepEqual([...dst.subarray(12, 16)], [41, 240, 41, 110]);
  });

  it('uses the BT.709 matrix when asked', () => {
    const dst = new Uint8Array(4);
    rgbaToYuyv(pixels([255, 0, 0], [255, 0, 0]), 2, 1, dst, 'bt709');
    assert.deepEqual([...dst], [63, 102, 63, 240]);
  });

  for (const matrix of ['bt601', 'bt709'] as const) {
    it(`matches the floating-point reference within 1 on random pixels (${matrix})`, () => {
      const width = 64;
      const height = 9;
      const src = randomRgba(width, height, 7);
      const dst = new Uint8Array(width * height * 2);
      rgbaToYuyv(src, width, height, dst, matrix);
      assert.ok(maxDifference(dst, referenceYuyv(src, width, height, matrix)) <= 1);
    });
  }

  it('refuses odd widths, short buffers and unknown matrices with clear errors', () => {
    const src = new Uint8Array(3 * 2 * 4);
    assert.throws(() => rgbaToYuyv(src, 3, 2, new Uint8Array(12)), { name: 'RangeError', message: /even width, got 3/ });
    assert.throws(() => rgbaToYuyv(new Uint8Array(4 * 2 * 4), 4, 2, new Uint8Array(15)), {
      name: 'RangeError',
      message: /rgbaToYuyv: dst holds 15 bytes, 4x2 output needs 16/,
    });
    assert.throws(() => rgbaToYuyv(new Uint8Array(31), 4, 2, new Uint8Array(16)), { name: 'RangeError', message: /src holds 31 bytes/ });
    assert.throws(() => rgbaToYuyv(new Uint8Array(32), 4, 2, new Uint8Array(16), 'bt2020' as 'bt709'), {
      name: 'TypeError',
      message: /matrix must be 'bt601' or 'bt709'/,
    });
    assert.throws(() => rgbaToYuyv([1, 2] as unknown as Uint8Array, 4, 2, new Uint8Array(16)), { name: 'TypeError', message: /src must be a Uint8Array/ });
    assert.throws(() => rgbaToYuyv(new Uint8Array(32), 0, 2, new Uint8Array(16)), { name: 'RangeError', message: /width must be an integer/ });
  });
});
