import assert from 'node:assert/strict';
import { rgbaToI420 } from '../../src/native/index.js';
import { frameBytes } from '../../src/pipeline/frame.js';
import { maxDifference, randomRgba, referenceI420 } from './yuv-reference.js';

describe('convert.rgbaToI420', () => {
  for (const [width, height] of [[32, 8], [5, 3], [1, 1]] as const) {
    for (const matrix of ['bt601', 'bt709'] as const) {
      it(`matches the reference within 1 at ${width}x${height} (${matrix})`, () => {
        const src = randomRgba(width, height, width * 31 + height);
        const dst = new Uint8Array(frameBytes('i420', width, height));
        rgbaToI420(src, width, height, dst, matrix);
        assert.ok(maxDifference(dst, referenceI420(src, width, height, matrix)) <= 1);
      });
    }
  }

  it('writes exactly frameBytes("i420") bytes and no more', () => {
    const width = 6;
    const height = 4;
    const dst = new Uint8Array(frameBytes('i420', width, height) + 8).fill(7);
    rgbaToI420(randomRgba(width, height), width, height, dst);
    assert.deepEqual([...dst.subarray(frameBytes('i420', width, height))], [7, 7, 7, 7, 7, 7, 7, 7]);
  });

  it('refuses a destination too small for the chroma planes', () => {
    assert.throws(() => rgbaToI420(new Uint8Array(5 * 3 * 4), 5, 3, new Uint8Array(5 * 3 + 2 * 3 * 2 - 1)), {
      name: 'RangeError',
      message: /dst holds 26 bytes, 5x3 output needs 27/,
    });
  });
});
