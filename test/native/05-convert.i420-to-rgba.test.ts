import assert from 'node:assert/strict';
import { i420ToRgba, rgbaToI420 } from '../../src/native/index.js';
import { frameBytes } from '../../src/pipeline/frame.js';
import { gradientRgba, maxDifference, randomRgba, reference420ToRgba } from './yuv-reference.js';

/** Every 2x2 block one colour: what 4:2:0 keeps exactly. */
function blockRgba(width: number, height: number): Uint8Array {
  const colours = randomRgba(Math.ceil(width / 2), Math.ceil(height / 2), 11);
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = ((y >> 1) * Math.ceil(width / 2) + (x >> 1)) * 4;
      out.set(colours.subarray(c, c + 4), (y * width + x) * 4);
    }
  }
  return out;
}

describe('convert.i420ToRgba', () => {
  it('matches the reference within 1 (BT.601 and BT.709)', () => {
    const width = 9;
    const height = 7;
    const i420 = Uint8Array.from({ length: frameBytes('i420', width, height) }, (_, i) => (i * 97 + 13) & 255);
    const cw = 5;
    const ch = 4;
    for (const matrix of ['bt601', 'bt709'] as const) {
      const dst = new Uint8Array(width * height * 4);
      i420ToRgba(i420, width, height, dst, matrix);
      const expected = reference420ToRgba(
        (x, y) => i420[y * width + x],
        (x, y) => i420[width * height + y * cw + x],
        (x, y) => i420[width * height + cw * ch + y * cw + x],
        width,
        height,
        matrix,
      );
      assert.ok(maxDifference(dst, expected) <= 1, matrix);
    }
  });

  for (const [width, height] of [[32, 16], [7, 5]] as const) {
    it(`round-trips RGBA -> I420 -> RGBA within the quantisation error at ${width}x${height}`, () => {
      const src = blockRgba(width, height);
      const i420 = new Uint8Array(frameBytes('i420', width, height));
      const back = new Uint8Array(width * height * 4);
      rgbaToI420(src, width, height, i420);
      i420ToRgba(i420, width, height, back);
      assert.ok(maxDifference(back, src) <= 3, `max error ${maxDifference(back, src)}`);
    });
  }

  it('keeps smooth pictures close through 4:2:0 subsampling', () => {
    const width = 64;
    const height = 48;
    const src = gradientRgba(width, height);
    const i420 = new Uint8Array(frameBytes('i420', width, height));
    const back = new Uint8Array(width * height * 4);
    rgbaToI420(src, width, height, i420, 'bt709');
    i420ToRgba(i420, width, height, back, 'bt709');
    assert.ok(maxDifference(back, src) <= 8, `max error ${maxDifference(back, src)}`);
  });
});
