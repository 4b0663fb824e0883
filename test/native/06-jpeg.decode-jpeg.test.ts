import assert from 'node:assert/strict';
import { decodeJpeg, jpegSize } from '../../src/native/index.js';
import { ffmpegDecode, ffmpegJpeg, meanDifference, psnr } from './jpeg-fixtures.js';
import { gradientRgba } from './yuv-reference.js';

describe('jpeg.decodeJpeg', () => {
  const width = 96;
  const height = 64;
  const picture = gradientRgba(width, height);

  it('reads the size of a JPEG made by ffmpeg', () => {
    assert.deepEqual(jpegSize(ffmpegJpeg(picture, width, height)), { width, height });
  });

  for (const pixFmt of ['yuvj420p', 'yuvj444p'] as const) {
    it(`decodes an ffmpeg ${pixFmt} JPEG to RGBA close to the original and to ffmpeg's own decoding`, () => {
      const jpeg = ffmpegJpeg(picture, width, height, pixFmt);
      const dst = new Uint8Array(width * height * 4);
      assert.deepEqual(decodeJpeg(jpeg, dst), { width, height });
      assert.ok(psnr(dst, picture) > 35, `PSNR ${psnr(dst, picture).toFixed(1)} dB against the original`);
      assert.ok(meanDifference(dst, ffmpegDecode(jpeg)) < 1.5, 'mean difference against ffmpeg');
      for (let i = 3; i < dst.length; i += 4) assert.equal(dst[i], 255);
    });
  }

  it('rejects data that is not a JPEG with code EJPEG', () => {
    assert.throws(() => decodeJpeg(new Uint8Array([1, 2, 3, 4, 5, 6]), new Uint8Array(16)), {
      code: 'EJPEG',
      message: /decodeJpeg: not a JPEG/,
    });
    assert.throws(() => jpegSize(new Uint8Array(0)), { code: 'EJPEG' });
  });

  it('rejects a truncated JPEG instead of returning a half-grey picture', () => {
    const jpeg = ffmpegJpeg(picture, width, height);
    const dst = new Uint8Array(width * height * 4);
    assert.throws(() => decodeJpeg(jpeg.subarray(0, Math.floor(jpeg.length / 2)), dst), { code: 'EJPEG', message: /corrupt JPEG/ });
  });

  it('rejects a JPEG whose header is damaged', () => {
    const jpeg = Buffer.from(ffmpegJpeg(picture, width, height));
    jpeg.fill(0xff, 2, 40);
    assert.throws(() => decodeJpeg(jpeg, new Uint8Array(width * height * 4)), { code: 'EJPEG' });
  });

  it('refuses a destination smaller than the picture', () => {
    assert.throws(() => decodeJpeg(ffmpegJpeg(picture, width, height), new Uint8Array(width * height * 4 - 1)), {
      name: 'RangeError',
      message: /the 96x64 RGBA image needs 24576/,
    });
  });
});
