import assert from 'node:assert/strict';
import { decodeJpeg, encodeJpeg } from '../../src/native/index.js';
import { ffmpegDecode, psnr } from './jpeg-fixtures.js';
import { gradientRgba, randomRgba } from './yuv-reference.js';

describe('jpeg.encodeJpeg', () => {
  const width = 160;
  const height = 90;
  const picture = gradientRgba(width, height);

  it('makes a JPEG that ffmpeg decodes to the same picture', () => {
    const jpeg = encodeJpeg(picture, width, height, 90);
    assert.ok(Buffer.isBuffer(jpeg));
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    const decoded = ffmpegDecode(jpeg);
    assert.equal(decoded.length, width * height * 4);
    assert.ok(psnr(decoded, picture) > 35, `PSNR ${psnr(decoded, picture).toFixed(1)} dB`);
  });

  it('round-trips through decodeJpeg', () => {
    const back = new Uint8Array(width * height * 4);
    assert.deepEqual(decodeJpeg(encodeJpeg(picture, width, height, 85), back), { width, height });
    assert.ok(psnr(back, picture) > 35);
  });

  it('trades size for quality', () => {
    const noisy = randomRgba(width, height, 5);
    assert.ok(encodeJpeg(noisy, width, height, 30).length < encodeJpeg(noisy, width, height, 95).length);
  });

  it('refuses a quality outside 1-100 and a short buffer', () => {
    assert.throws(() => encodeJpeg(picture, width, height, 0), { name: 'RangeError', message: /quality must be an integer from 1 to 100/ });
    assert.throws(() => encodeJpeg(picture, width, height, 101), { name: 'RangeError' });
    assert.throws(() => encodeJpeg(picture.subarray(4), width, height, 80), { name: 'RangeError', message: /rgba holds/ });
  });
});
