import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeImageFile, decodeWithFfmpeg, encodeGrayPng, parsePam } from '../../src/pipeline/matte/image-file.js';
import { removeDir, synthFace, tempDir } from './3x-matte-fixture.js';

describe('decodeImageFile', function () {
  this.timeout(30000);
  let dir: string;
  let png: string;
  before(async () => {
    dir = await tempDir();
    png = join(dir, 'face.png');
    const image = new PNG({ width: 96, height: 64 });
    image.data = Buffer.from(synthFace(96, 64));
    await writeFile(png, PNG.sync.write(image));
    // A JPEG made by ffmpeg from that PNG.
    execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', png, '-q:v', '2', join(dir, 'face.jpg')]);
  });
  after(async () => removeDir(dir));

  it('decodes a PNG exactly', async function () {
    const image = await decodeImageFile(png);
    assert.equal(image.width, 96);
    assert.equal(image.height, 64);
    assert.deepEqual(Buffer.from(image.rgba), Buffer.from(synthFace(96, 64)));
  });

  it('decodes a JPEG (native decoder) close to the original, and ffmpeg agrees', async function () {
    const jpg = join(dir, 'face.jpg');
    const image = await decodeImageFile(jpg);
    const viaFfmpeg = await decodeWithFfmpeg(jpg);
    assert.equal(image.width, 96);
    assert.equal(image.height, 64);
    assert.equal(viaFfmpeg.width, 96);
    const original = synthFace(96, 64);
    let err = 0;
    let between = 0;
    for (let i = 0; i < original.length; i += 4) {
      err += Math.abs(image.rgba[i] - original[i]);
      between += Math.abs(image.rgba[i] - viaFfmpeg.rgba[i]);
    }
    assert.ok(err / (96 * 64) < 6, `mean error ${err / (96 * 64)} levels`);
    assert.ok(between / (96 * 64) < 3, `decoders differ by ${between / (96 * 64)} levels`);
  });

  it('names what is wrong with a bad file', async function () {
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'not an image');
    await assert.rejects(decodeImageFile(text), /not a PNG or JPEG image/);
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    await assert.rejects(decodeImageFile(empty), /empty file/);
    const truncatedPng = join(dir, 'cut.png');
    await writeFile(truncatedPng, (await readFile(png)).subarray(0, 60));
    await assert.rejects(decodeImageFile(truncatedPng), /broken PNG/);
    const truncatedJpeg = join(dir, 'cut.jpg');
    await writeFile(truncatedJpeg, (await readFile(join(dir, 'face.jpg'))).subarray(0, 40));
    await assert.rejects(decodeImageFile(truncatedJpeg), /broken JPEG|ffmpeg cannot decode/);
  });

  it('parses the PAM that ffmpeg writes and refuses anything else', function () {
    const pam = Buffer.concat([Buffer.from('P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]);
    assert.deepEqual([...parsePam(pam).rgba], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.throws(() => parsePam(Buffer.from('P6\n2 1\n255\n')), /not a PAM/);
    assert.throws(() => parsePam(pam.subarray(0, pam.length - 2)), /truncated PAM/);
  });
});

describe('encodeGrayPng', function () {
  it('writes an 8-bit grayscale PNG, rounding and clamping', function () {
    const png = PNG.sync.read(encodeGrayPng(Float32Array.from([0, 0.5, 1, 1.7, -1, 0.2]), 3, 2));
    assert.equal(png.width, 3);
    assert.equal(png.height, 2);
    const gray = [0, 1, 2, 3, 4, 5].map((i) => png.data[i * 4]);
    assert.deepEqual(gray, [0, 128, 255, 255, 0, 51]);
  });
});
