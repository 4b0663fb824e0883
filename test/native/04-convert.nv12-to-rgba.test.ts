import assert from 'node:assert/strict';
import { i420ToRgba, nv12ToRgba } from '../../src/native/index.js';
import { frameBytes } from '../../src/pipeline/frame.js';
import { maxDifference, reference420ToRgba } from './yuv-reference.js';

function planes(width: number, height: number): { luma: Uint8Array; cb: Uint8Array; cr: Uint8Array; cw: number } {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const luma = Uint8Array.from({ length: width * height }, (_, i) => 16 + ((i * 29) % 220));
  const cb = Uint8Array.from({ length: cw * ch }, (_, i) => 16 + ((i * 53) % 225));
  const cr = Uint8Array.from({ length: cw * ch }, (_, i) => 16 + ((i * 71 + 9) % 225));
  return { luma, cb, cr, cw };
}

function nv12(width: number, height: number): Uint8Array {
  const { luma, cb, cr } = planes(width, height);
  const out = new Uint8Array(frameBytes('i420', width, height));
  out.set(luma);
  for (let i = 0; i < cb.length; i++) {
    out[width * height + 2 * i] = cb[i];
    out[width * height + 2 * i + 1] = cr[i];
  }
  return out;
}

describe('convert.nv12ToRgba', () => {
  for (const [width, height] of [[16, 6], [7, 5]] as const) {
    for (const matrix of ['bt601', 'bt709'] as const) {
      it(`matches the reference within 1 at ${width}x${height} (${matrix})`, () => {
        const { luma, cb, cr, cw } = planes(width, height);
        const dst = new Uint8Array(width * height * 4);
        nv12ToRgba(nv12(width, height), width, height, dst, matrix);
        const expected = reference420ToRgba(
          (x, y) => luma[y * width + x],
          (x, y) => cb[y * cw + x],
          (x, y) => cr[y * cw + x],
          width,
          height,
          matrix,
        );
        assert.ok(maxDifference(dst, expected) <= 1);
      });
    }
  }

  it('gives the same picture as the I420 layout of the same samples', () => {
    const width = 20;
    const height = 10;
    const { luma, cb, cr } = planes(width, height);
    const i420 = new Uint8Array([...luma, ...cb, ...cr]);
    const fromNv12 = new Uint8Array(width * height * 4);
    const fromI420 = new Uint8Array(width * height * 4);
    nv12ToRgba(nv12(width, height), width, height, fromNv12);
    i420ToRgba(i420, width, height, fromI420);
    assert.deepEqual(fromNv12, fromI420);
  });

  it('refuses a source without its chroma plane', () => {
    assert.throws(() => nv12ToRgba(new Uint8Array(16 * 6), 16, 6, new Uint8Array(16 * 6 * 4)), {
      name: 'RangeError',
      message: /nv12ToRgba: src holds 96 bytes, 16x6 input needs 144/,
    });
  });
});
