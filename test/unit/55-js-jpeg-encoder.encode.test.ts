import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { encodeJpegJs } from '../../src/control/js-jpeg-encoder.js';
import { loadJpegEncoder } from '../../src/control/jpeg-encoding.js';
import { jpegSize } from './5x-control-fixture.js';

/** Decodes with ffmpeg (a real, independent JPEG decoder) to RGBA. */
function decode(jpeg: Buffer, width: number, height: number): Uint8Array {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], {
    input: jpeg,
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, `ffmpeg could not decode: ${r.stderr}`);
  assert.equal(r.stdout.length, width * height * 4);
  return r.stdout;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      se += d * d;
      n++;
    }
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/** A smooth test card: gradients and a soft disc, what a webcam preview looks like. */
function card(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const d = Math.hypot(x - width / 2, y - height / 2) / (height / 2);
      const face = Math.max(0, Math.min(1, (1 - d) * 4));
      rgba[i] = 40 + 150 * (x / width) * (1 - face) + 230 * face;
      rgba[i + 1] = 60 + 120 * (y / height) * (1 - face) + 180 * face;
      rgba[i + 2] = 120 * (1 - face) + 150 * face;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

describe('encodeJpegJs', function () {
  it('produces a baseline JPEG that ffmpeg decodes close to the source', function () {
    const [w, h] = [320, 180];
    const src = card(w, h);
    const jpeg = encodeJpegJs(src, w, h, 85);
    assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'SOI');
    assert.equal(jpeg.readUInt16BE(jpeg.length - 2), 0xffd9, 'EOI');
    assert.deepEqual(jpegSize(jpeg), { width: w, height: h });
    const quality = psnr(decode(jpeg, w, h), src);
    assert.ok(quality > 32, `PSNR ${quality.toFixed(1)} dB`);
  });

  it('handles sizes that are not multiples of 16, down to 1x1', function () {
    for (const [w, h] of [[1, 1], [17, 9], [33, 47]]) {
      // Smooth gradients only: at a few pixels a sharp edge is all chroma subsampling error.
      const src = new Uint8Array(w * h * 4);
      for (let i = 0; i < w * h; i++) src.set([40 + ((i % w) * 150) / w, 60 + (Math.floor(i / w) * 150) / h, 120, 255], i * 4);
      const out = decode(encodeJpegJs(src, w, h, 90), w, h);
      const quality = psnr(out, src);
      assert.ok(quality > 32, `${w}x${h}: PSNR ${quality.toFixed(1)} dB`);
    }
  });

  it('lower quality gives smaller files', function () {
    const src = card(160, 90);
    assert.ok(encodeJpegJs(src, 160, 90, 30).length < encodeJpegJs(src, 160, 90, 95).length);
  });

  it('rejects impossible sizes and short buffers', function () {
    assert.throws(() => encodeJpegJs(new Uint8Array(16), 0, 4, 80), RangeError);
    assert.throws(() => encodeJpegJs(new Uint8Array(16), 4, 4, 80), /needs 64/);
  });
});

describe('loadJpegEncoder', function () {
  it('returns a working encoder and says which one', async function () {
    const encoder = await loadJpegEncoder();
    assert.ok(encoder.kind === 'native' || encoder.kind === 'js');
    assert.ok(encoder.detail.length > 0);
    const jpeg = encoder.encode(card(48, 32), 48, 32, 80);
    assert.deepEqual(jpegSize(jpeg), { width: 48, height: 32 });
  });
});
