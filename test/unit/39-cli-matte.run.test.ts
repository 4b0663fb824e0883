import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { packageRoot } from '../../src/config/paths.js';
import { mirrorRows } from '../../src/pipeline/matte/mirror.js';
import { modelCopy, removeDir, synthFace, tempDir } from './3x-matte-fixture.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `facemat matte ...` from the sources, as `npx tsx src/cli/main.ts matte ...` runs it. */
function facematMatte(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'cli', 'main.ts'), 'matte', ...args], {
      cwd: packageRoot(),
      env: { ...process.env, FACEMAT_LOG: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function writePng(path: string, width: number, height: number, rgba: Uint8Array = synthFace(width, height)): Promise<void> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  await writeFile(path, PNG.sync.write(png));
}

async function readGray(path: string): Promise<{ width: number; height: number; values: Uint8Array }> {
  const png = PNG.sync.read(await readFile(path));
  // pngjs expands grayscale to RGBA on read: take one channel.
  const values = new Uint8Array(png.width * png.height);
  for (let i = 0; i < values.length; i++) values[i] = png.data[i * 4];
  return { width: png.width, height: png.height, values };
}

describe('facemat matte', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => removeDir(dir));

  it('writes a same-size grayscale matte per image, reports the bad file, skips it and exits 1', async function () {
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    await mkdir(input);
    await writePng(join(input, 'wide.png'), 320, 180);
    await writePng(join(input, 'tall.png'), 90, 160);
    await writeFile(join(input, 'broken.jpg'), 'these bytes are not a JPEG');
    await writeFile(join(input, 'notes.txt'), 'not an image, not an input');
    const result = await facematMatte(['--input', input, '--output', output, '--uncertainty', '--provider', 'cpu', '--threads', '1']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`${join(input, 'broken.jpg')}: not a PNG or JPEG image; skipped`));
    assert.match(result.stderr, /2 written, 1 failed/);
    assert.deepEqual((await readdir(output)).sort(), ['tall.png', 'tall.uncertainty.png', 'wide.png', 'wide.uncertainty.png']);
    for (const [name, width, height] of [
      ['wide', 320, 180],
      ['tall', 90, 160],
    ] as const) {
      for (const file of [`${name}.png`, `${name}.uncertainty.png`]) {
        const bytes = await readFile(join(output, file));
        const png = PNG.sync.read(bytes);
        assert.equal(png.width, width, file);
        assert.equal(png.height, height, file);
        // IHDR: bit depth 8, colour type 0 (grayscale).
        assert.equal(bytes[24], 8, `${file} bit depth`);
        assert.equal(bytes[25], 0, `${file} colour type`);
      }
    }
  });

  it('mattes a single file, exit 0, and falls back to the shipped model when --model is broken', async function () {
    const image = join(dir, 'one.png');
    await writePng(image, 64, 48);
    const broken = await modelCopy(dir, 'broken', undefined, (bytes) => bytes.subarray(0, 5000));
    const result = await facematMatte(['--input', image, '--output', join(dir, 'out'), `--model=${broken}`, '--provider=cpu']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`${join(dir, 'broken.onnx')}: onnxruntime cannot load it.*falling back to the shipped model`));
    assert.deepEqual(await readdir(join(dir, 'out')), ['one.png']);
  });

  it('averages the mattes of the image and of its mirror by default; --no-flip-average runs one pass', async function () {
    // A real face: the sample clip at 3 s, the hand over one side (an asymmetric picture).
    const [width, height] = [320, 180];
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', join(packageRoot(), 'assets', 'sample', 'sample.mp4'), '-frames:v', '1', '-vf', `scale=${width}:${height}`, join(dir, 'face.png')]);
    const rgba = new Uint8Array(PNG.sync.read(await readFile(join(dir, 'face.png'))).data);
    await writePng(join(dir, 'mirror.png'), width, height, mirrorRows(rgba, width, height, 4));
    // The zoomed view off in both, so each matte is one view per pass.
    const averaged = await facematMatte(['--input', join(dir, 'face.png'), '--output', join(dir, 'avg'), '--provider', 'cpu', '--no-zoom-view']);
    assert.equal(averaged.code, 0, averaged.stderr);
    const single = await facematMatte(['--input', dir, '--output', join(dir, 'one'), '--provider', 'cpu', '--no-flip-average', '--no-zoom-view']);
    assert.equal(single.code, 0, single.stderr);
    const avg = (await readGray(join(dir, 'avg', 'face.png'))).values;
    const plain = (await readGray(join(dir, 'one', 'face.png'))).values;
    const mirrored = mirrorRows((await readGray(join(dir, 'one', 'mirror.png'))).values, width, height, 1);
    let largestGap = 0;
    let passesDiffer = 0;
    for (let i = 0; i < avg.length; i++) {
      // Each 8-bit matte is rounded once, so the average of two rounded ones is within 1 level.
      largestGap = Math.max(largestGap, Math.abs(avg[i] - (plain[i] + mirrored[i]) / 2));
      if (Math.abs(plain[i] - mirrored[i]) > 4) passesDiffer++;
    }
    assert.ok(largestGap <= 1, `the default matte is not the average of the two passes (off by ${largestGap})`);
    assert.ok(avg.filter((v) => v > 128).length > 1000, 'the face should be in the matte');
    assert.ok(passesDiffer > 200, `the two passes should differ (${passesDiffer} pixels differ by more than 4 levels)`);
    assert.ok(plain.some((v, i) => Math.abs(v - avg[i]) > 2), '--no-flip-average gave the averaged matte');
  });

  it('averages in a zoomed view of the face by default, inside that view only; --no-zoom-view runs one view', async function () {
    const [width, height] = [320, 180];
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', join(packageRoot(), 'assets', 'sample', 'sample.mp4'), '-frames:v', '1', '-vf', `scale=${width}:${height}`, join(dir, 'face.png')]);
    const zoomed = await facematMatte(['--input', join(dir, 'face.png'), '--output', join(dir, 'zoom'), '--provider', 'cpu', '--no-flip-average']);
    assert.equal(zoomed.code, 0, zoomed.stderr);
    const one = await facematMatte(['--input', join(dir, 'face.png'), '--output', join(dir, 'one'), '--provider', 'cpu', '--no-flip-average', '--no-zoom-view']);
    assert.equal(one.code, 0, one.stderr);
    const withZoom = (await readGray(join(dir, 'zoom', 'face.png'))).values;
    const without = (await readGray(join(dir, 'one', 'face.png'))).values;
    // The whole picture is matted as a 320x320 letterboxed square; the zoomed view is 0.81 of it
    // (259 px): columns outside it must be untouched, and the two views must differ inside it.
    let [first, last, differ] = [width, -1, 0];
    for (let i = 0; i < withZoom.length; i++) {
      if (Math.abs(withZoom[i] - without[i]) <= 1) continue;
      differ++;
      first = Math.min(first, i % width);
      last = Math.max(last, i % width);
    }
    assert.ok(differ > 200, `the zoomed view should change the matte (${differ} pixels differ by more than 1 level)`);
    assert.ok(last - first + 1 <= Math.round(0.81 * width), `the matte changed over ${last - first + 1} columns, wider than the zoomed view`);
    assert.ok(withZoom.filter((v) => v > 128).length > 1000, 'the face should be in the matte');
  });

  it('mattes a small face again on its face crop; --no-face-crop runs the whole picture only', async function () {
    // The sample clip's face at 320x180 (a large face), and the same pixels in the middle of a
    // 1280x720 picture, where one pass gives the face about 20 model pixels of height. Measured
    // (facemat-student 0.8.0, the clip with the 3-D hand): IoU with the large face's matte 0.63
    // with the face crop, 0.10 without (0.7.0: 0.53 and 0.21; 0.6.0: 0.70 and 0.24; 0.5.0: 0.61
    // and 0.22; 0.4.0: 0.69 and 0.32). The reference is the model's own matte, so the figure moves
    // with the model and the clip, and this one frame of a hand over mouth and nose is where 0.7.0
    // lost most: against the clip generator's true matte (scripts/readme-pictures/reference_matte.py)
    // 0.8.0 scores 0.50 on the large face and 0.37 on the small one with the crop (0.7.0: 0.51
    // and 0.37; 0.6.0: 0.54 and 0.45; 0.5.0: 0.54 and 0.53; 0.4.0, which kept parts of the
    // fingers as face: 0.57 and 0.55),
    // while on the 1,152 occluded validation composites through the face crop it scores higher
    // (models/facemat-student.md). What this test holds is that the crop recovers the small face.
    const [width, height, left, top] = [320, 180, 480, 270];
    execFileSync('ffmpeg', ['-v', 'error', '-ss', '3', '-i', join(packageRoot(), 'assets', 'sample', 'sample.mp4'), '-frames:v', '1', '-vf', `scale=${width}:${height}`, join(dir, 'face.png')]);
    const face = new Uint8Array(PNG.sync.read(await readFile(join(dir, 'face.png'))).data);
    const [bigWidth, bigHeight] = [1280, 720];
    const small = new Uint8Array(bigWidth * bigHeight * 4).fill(128);
    for (let y = 0; y < height; y++) small.set(face.subarray(y * width * 4, (y + 1) * width * 4), ((top + y) * bigWidth + left) * 4);
    await writePng(join(dir, 'small.png'), bigWidth, bigHeight, small);
    const cropped = await facematMatte(['--input', dir, '--output', join(dir, 'crop'), '--provider', 'cpu', '--no-flip-average']);
    assert.equal(cropped.code, 0, cropped.stderr);
    const whole = await facematMatte(['--input', join(dir, 'small.png'), '--output', join(dir, 'whole'), '--provider', 'cpu', '--no-flip-average', '--no-face-crop']);
    assert.equal(whole.code, 0, whole.stderr);

    const reference = (await readGray(join(dir, 'crop', 'face.png'))).values;
    const iouWithReference = (matte: Uint8Array): number => {
      let both = 0;
      let either = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const a = matte[(top + y) * bigWidth + left + x] >= 128;
          const b = reference[y * width + x] >= 128;
          if (a && b) both++;
          if (a || b) either++;
        }
      }
      return both / either;
    };
    const withCrop = iouWithReference((await readGray(join(dir, 'crop', 'small.png'))).values);
    const withoutCrop = iouWithReference((await readGray(join(dir, 'whole', 'small.png'))).values);
    assert.ok(reference.filter((v) => v >= 128).length > 1000, 'the large face should be in its matte');
    assert.ok(withCrop > 0.5, `the face crop's matte of the small face should be close to the large face's (IoU ${withCrop.toFixed(3)})`);
    assert.ok(withCrop > withoutCrop + 0.3, `the face crop should beat one pass (IoU ${withCrop.toFixed(3)} vs ${withoutCrop.toFixed(3)})`);
  });

  it('answers an unknown option with one line and exit 2', async function () {
    const result = await facematMatte(['--input', dir, '--output', dir, '--colour', 'red']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'facemat matte: unknown option --colour (options: --input, --output, --model, --provider, --threads, --uncertainty, --no-flip-average, --no-face-crop, --no-zoom-view)\n');
    const missing = await facematMatte(['--output', dir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^facemat matte: --input FILE\|DIR is required/);
    const provider = await facematMatte(['--input', dir, '--output', dir, '--provider', 'gpu']);
    assert.equal(provider.code, 2);
    assert.equal(provider.stderr, 'facemat matte: invalid value "gpu" for --provider (accepted: auto, tensorrt, cuda, cpu)\n');
    const flag = await facematMatte(['--input', dir, '--output', dir, '--no-flip-average=yes']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'facemat matte: --no-flip-average takes no value\n');
    const crop = await facematMatte(['--input', dir, '--output', dir, '--no-face-crop=1']);
    assert.equal(crop.code, 2);
    assert.equal(crop.stderr, 'facemat matte: --no-face-crop takes no value\n');
  });
});
