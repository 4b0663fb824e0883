import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Background } from '../helpers.js';
import { describeResult, outDir, repoRoot, requireVm, run, start } from '../helpers.js';

// A USB MJPEG webcam, played by a v4l2loopback node (/dev/video11, "MJPEG Webcam") that
// mjpeg-producer.py feeds with JPEGs of ffmpeg's SMPTE bars at 10 fps; facemat captures it
// (MJPEG decoded by libjpeg-turbo on the capture thread) into the virtual camera (/dev/video10).
const WEBCAM = '/dev/video11';
const LOOPBACK = '/dev/video10';
const W = 640;
const H = 480;
// SMPTE bars, top two thirds: 75 % white, yellow, cyan, green, magenta, red, blue.
const BARS = ['white', 'yellow', 'cyan', 'green', 'magenta', 'red', 'blue'];
const LIT: Record<string, string> = { white: 'RGB', yellow: 'RG', cyan: 'GB', green: 'G', magenta: 'RB', red: 'R', blue: 'B', black: '' };

function barsOf(rgb: Buffer): string[] {
  const y = Math.floor(H * 0.3);
  return Array.from({ length: 7 }, (_, i) => {
    const o = (y * W + Math.floor(((i + 0.5) * W) / 7)) * 3;
    const lit = ['R', 'G', 'B'].filter((_, c) => rgb[o + c] > 100).join('');
    return Object.keys(LIT).find((name) => LIT[name] === lit) ?? `rgb(${rgb[o]},${rgb[o + 1]},${rgb[o + 2]})`;
  });
}

describe('an MJPEG webcam (v4l2loopback fed with JPEGs) through facemat into the virtual camera', function () {
  this.timeout(600_000);
  let producer: Background;
  let app: Background;

  before(async function () {
    requireVm();
    const jpegs = join(outDir(), 'bars.mjpeg');
    const made = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `smptebars=size=${W}x${H}:rate=10`, '-frames:v', '10', '-c:v', 'mjpeg', '-q:v', '4', '-f', 'mjpeg', jpegs], { timeoutMs: 120_000 });
    assert.equal(made.code, 0, describeResult(made));
    producer = start('python3', [join(repoRoot, 'test/kernel/mjpeg/mjpeg-producer.py'), WEBCAM, jpegs, String(W), String(H), '10']);
    await producer.waitForOutput(/mjpeg-producer: \d+ JPEGs/, 'the MJPEG producer to start', 60_000);
  });

  after(async () => {
    await app?.stop('SIGINT', 30_000);
    await producer?.stop();
  });

  it('captures MJPEG at the webcam’s size and rate and passes its picture to a consumer', async () => {
    app = start(process.execPath, [
      join(repoRoot, 'dist/src/cli/main.js'), 'run', '--source', `v4l2:${WEBCAM}`, '--sink', `v4l2:${LOOPBACK}`,
      '--size', `${W}x${H}`, '--fps', '10', '--filters', 'none', '--matte-lag', '1000', '--control', 'off',
    ]);
    await app.waitForOutput(/writing v4l2:\/dev\/video10/, 'facemat to open the virtual camera', 240_000);
    assert.match(app.output(), /opened v4l2:\/dev\/video11 \(MJPEG Webcam, MJPG 640x480@10\)/);
    const read = await run('sh', ['-c', `ffmpeg -hide_banner -nostdin -loglevel error -f v4l2 -i ${LOOPBACK} -frames:v 10 -f rawvideo -pix_fmt rgb24 - | tail -c ${W * H * 3} | base64 -w0`], { timeoutMs: 300_000 });
    const rgb = Buffer.from(read.stdout, 'base64');
    assert.equal(rgb.length, W * H * 3, describeResult(read));
    assert.deepEqual(barsOf(rgb), BARS, `facemat said:\n${app.output().slice(-2500)}`);
    assert.doesNotMatch(app.output(), /corrupt/i);
  });
});
