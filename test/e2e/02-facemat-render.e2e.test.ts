import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const W = 160;
const H = 120;
/** Eight 20x40 blocks along the top, black or white: frame N's index in binary, LSB first. */
const INDEX_PATTERN = `geq=lum='if(lt(Y,40),255*mod(floor(N/pow(2,floor(X/20))),2),128)':cb=128:cr=128`;

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffmpeg ${args.join(' ')}: ${r.stderr}`);
}

function render(args: string[]) {
  return spawnSync('node', [CLI, 'render', ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** The frame indices burned into a video's frames, in output order. */
function indicesOf(path: string): number[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-fps_mode', 'passthrough', '-vf', `crop=${W}:40:0:0`, '-pix_fmt', 'gray', '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, String(r.stderr));
  const size = W * 40;
  const out: number[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) out.push(indexIn((x, y) => r.stdout[o + y * W + x]));
  return out;
}

function indexIn(gray: (x: number, y: number) => number): number {
  let v = 0;
  for (let b = 0; b < 8; b++) if (gray(b * 20 + 10, 20) > 128) v |= 1 << b;
  return v;
}

function pngIndex(path: string): number {
  const png = PNG.sync.read(readFileSync(path));
  return indexIn((x, y) => png.data[(y * png.width + x) * 4]);
}

function ptsOf(path: string): number[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}

function countFrames(path: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffprobe cannot read ${path}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

function streamDuration(path: string, stream: 'v' | 'a'): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'stream=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

describe('facemat render (end to end)', function () {
  this.timeout(120_000);
  let dir: string;
  let indexed: string;
  before(function () {
    assert.ok(existsSync(CLI), 'build first: npm run build');
    dir = mkdtempSync(join(tmpdir(), 'facemat-render-'));
    indexed = join(dir, 'indexed.mkv');
    ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=25`, '-frames:v', '40', '-vf', INDEX_PATTERN, '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', indexed]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every frame once, in order, to a video and a PNG folder at once', function () {
    const out = join(dir, 'ordered.mp4');
    const pngs = join(dir, 'ordered-png');
    const r = render([indexed, out, '--png', pngs, '--preset', 'Cartoon']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote 40 frames to /);
    const expected = Array.from({ length: 40 }, (_, i) => i);
    assert.deepEqual(indicesOf(out), expected);
    const names = readdirSync(pngs).sort();
    assert.equal(names.length, 40);
    assert.deepEqual(names.map((n) => pngIndex(join(pngs, n))), expected);
  });

  it('--matte-only writes one gray matte frame per input frame', function () {
    const out = join(dir, 'matte.y4m');
    const r = render([indexed, out, '--matte-only', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(countFrames(out), 40);
    assert.match(readFileSync(out).subarray(0, 80).toString('latin1'), /^YUV4MPEG2 W160 H120 .*Cmono/);
  });

  it('keeps the audio: its duration matches the video within one frame', function () {
    const input = join(dir, 'tone.mp4');
    ffmpeg(['-f', 'lavfi', '-i', `testsrc=s=${W}x${H}:r=25`, '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000', '-t', '1.6', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', input]);
    const out = join(dir, 'tone-out.mp4');
    const r = render([input, out, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const video = streamDuration(out, 'v');
    const audio = streamDuration(out, 'a');
    assert.ok(Math.abs(audio - video) <= 1 / 25 + 1e-6, `audio ${audio} s, video ${video} s`);
    assert.ok(Math.abs(video - streamDuration(input, 'v')) < 1e-3, 'the video keeps its length');
  });

  it('keeps a variable frame rate: output frame k has the pts of input frame k', function () {
    const input = join(dir, 'vfr.mkv');
    // Gaps of 1, 2 and 3 frame times in turn.
    ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=25`, '-frames:v', '30', '-vf', `${INDEX_PATTERN},setpts='(N+floor(N/3)*3+mod(N,3)*mod(N,3))/25/TB'`, '-fps_mode', 'passthrough', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', input]);
    const before = ptsOf(input);
    const gaps = new Set(before.slice(1).map((t, i) => Math.round((t - before[i]) * 1000)));
    assert.ok(gaps.size >= 2, `the input is not variable-rate: gaps ${[...gaps]}`);
    for (const ext of ['mp4', 'mkv']) {
      const out = join(dir, `vfr-out.${ext}`);
      const r = render([input, out, '--quiet']);
      assert.equal(r.status, 0, r.stderr);
      const after = ptsOf(out);
      assert.equal(after.length, before.length, ext);
      // mkv keeps milliseconds, the mp4 track the input's own time base (1 ms here too).
      after.forEach((t, k) => assert.ok(Math.abs(t - before[k]) <= 0.001 + 1e-6, `${ext} frame ${k}: ${t} s, input ${before[k]} s`));
      assert.deepEqual(indicesOf(out), Array.from({ length: 30 }, (_, i) => i), ext);
    }
  });

  it('SIGINT stops cleanly: exit 130, a playable file holding the frames reported', async function () {
    const input = join(dir, 'long.mp4');
    ffmpeg(['-f', 'lavfi', '-i', `testsrc=s=320x240:r=25`, '-frames:v', '1500', '-c:v', 'libx264', '-preset', 'ultrafast', input]);
    const out = join(dir, 'interrupted.mp4');
    const child = spawn('node', [CLI, 'render', input, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let signalled = false;
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Stop once a progress line says frames were done.
      if (!signalled && /render: frame [1-9]\d*\//.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.ok(signalled, `no progress line: ${stderr}`);
    assert.equal(code, 130, stderr);
    const reported = /stopped by SIGINT: wrote (\d+) frames/.exec(stderr);
    assert.ok(reported, stderr);
    assert.ok(Number(reported[1]) > 0 && Number(reported[1]) < 1500, stderr);
    assert.ok(countFrames(out) >= Number(reported[1]), 'ffprobe reads every frame reported');
    const leftovers = spawnSync('pgrep', ['-f', out], { encoding: 'utf8' }).stdout.trim();
    assert.equal(leftovers, '', 'no ffmpeg left behind');
  });

  it('a truncated input: exit 1 naming the frame, the frames before it kept in a playable file', function () {
    const whole = join(dir, 'whole.mp4');
    ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=25`, '-frames:v', '60', '-vf', `${INDEX_PATTERN},noise=alls=40:allf=t`, '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', whole]);
    const half = join(dir, 'half.mp4');
    const bytes = readFileSync(whole);
    writeFileSync(half, bytes.subarray(0, bytes.length >> 1));
    const out = join(dir, 'half-out.mkv');
    const r = render([half, out, '--quiet']);
    assert.equal(r.status, 1, r.stderr);
    const m = /decoding stopped at frame (\d+) of 60: .+; the (\d+) frames before it are in /.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(Number(m[2]), Number(m[1]) - 1);
    assert.ok(Number(m[2]) > 0 && Number(m[2]) < 60, r.stderr);
    assert.deepEqual(indicesOf(out), Array.from({ length: Number(m[2]) }, (_, i) => i));
  });

  it('an image and a folder of images -> PNGs named after them', function () {
    const images = join(dir, 'images');
    mkdirSync(images);
    for (const [name, frame] of [['b-second', 2], ['a-first', 1], ['c-third', 3]] as const) {
      ffmpeg(['-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}`, '-vf', `${INDEX_PATTERN.replace(/N/g, String(frame))}`, '-frames:v', '1', join(images, `${name}.png`)]);
    }
    const single = join(dir, 'single-out/');
    let r = render([join(images, 'b-second.png'), single, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(single), ['b-second.png']);
    assert.equal(pngIndex(join(single, 'b-second.png')), 2);

    const folder = join(dir, 'folder-out/');
    r = render([images, folder, '--matte-only', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(folder).sort(), ['a-first.png', 'b-second.png', 'c-third.png']);
    const matte = PNG.sync.read(readFileSync(join(folder, 'a-first.png')));
    assert.deepEqual([matte.width, matte.height], [W, H]);
  });

  it('--flip-average: the mattes of a face and of its mirror image are mirror images of each other', function () {
    const sample = join(ROOT, 'assets', 'sample', 'sample.mp4');
    const faces = join(dir, 'faces');
    mkdirSync(faces);
    ffmpeg(['-ss', '3', '-i', sample, '-frames:v', '1', '-vf', 'scale=320:180', join(faces, 'face.png')]);
    ffmpeg(['-ss', '3', '-i', sample, '-frames:v', '1', '-vf', 'scale=320:180,hflip', join(faces, 'mirror.png')]);
    /** The largest difference between the face's matte and its mirror's matte mirrored back. */
    const asymmetry = (extra: string[]): number => {
      const out = join(dir, `faces-out${extra.join('')}/`);
      const r = render([faces, out, '--matte-only', '--no-temporal', '--no-face-crop', '--quiet', ...extra]);
      assert.equal(r.status, 0, r.stderr);
      const face = PNG.sync.read(readFileSync(join(out, 'face.png')));
      const mirror = PNG.sync.read(readFileSync(join(out, 'mirror.png')));
      let worst = 0;
      for (let y = 0; y < face.height; y++) {
        for (let x = 0; x < face.width; x++) {
          const a = face.data[(y * face.width + x) * 4];
          const b = mirror.data[(y * face.width + face.width - 1 - x) * 4];
          worst = Math.max(worst, Math.abs(a - b));
        }
      }
      return worst;
    };
    // One pass: the network is not symmetric. Flip-averaged: symmetric but for 8-bit rounding.
    const onePass = asymmetry([]);
    const averaged = asymmetry(['--flip-average']);
    assert.ok(onePass > 10, `one pass should differ between a face and its mirror (by ${onePass})`);
    assert.ok(averaged <= 2, `the flip-averaged mattes should mirror each other (they differ by ${averaged})`);
  });

  it('bad usage exits 2 with one line; a missing input exits 1 with one line', function () {
    let r = render([indexed]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /expected INPUT and OUTPUT/);
    r = render([indexed, join(dir, 'x.avi')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot tell what to write from .*x\.avi/);
    r = render([indexed, join(dir, 'x.mp4'), '--preset', 'Nope']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--preset.*Natural, Cartoon, Privacy, Off/);
    r = render([join(dir, 'missing.mp4'), join(dir, 'x.mp4')]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no such file or folder: .*missing\.mp4/);
    assert.ok(!existsSync(join(dir, 'x.mp4')));
  });
});
