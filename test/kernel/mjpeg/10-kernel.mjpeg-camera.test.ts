import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Background } from '../helpers.js';
import { colourName, describeResult, outDir, repoRoot, requireVm, run, start, waitFor } from '../helpers.js';

// A USB MJPEG webcam, played by a v4l2loopback node (/dev/video11, "MJPEG Webcam") that
// mjpeg-producer.py feeds with JPEGs of ffmpeg's SMPTE bars at 10 fps; facemat captures it
// (MJPEG decoded by libjpeg-turbo on the capture thread) into the virtual camera (/dev/video10).
const WEBCAM = '/dev/video11';
const LOOPBACK = '/dev/video10';
const W = 640;
const H = 480;
// SMPTE bars, top two thirds: 75 % white, yellow, cyan, green, magenta, red, blue.
const BARS = ['white', 'yellow', 'cyan', 'green', 'magenta', 'red', 'blue'];

/** The bar each of 7 RGB24 pixels (one sampled from each bar's column) shows. */
function barsOf(rgb: Buffer): string[] {
  return Array.from({ length: 7 }, (_, i) => colourName(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]));
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
    // A consumer watches until the webcam's picture arrives (before the first matte it sees the
    // "STARTING" frame): from each frame, the middle pixel of each bar at 30 % height.
    const row = Math.floor(H * 0.3);
    const reader = start('sh', ['-c', `ffmpeg -hide_banner -nostdin -loglevel error -f v4l2 -i ${LOOPBACK} -frames:v 100000 -vf crop=${W}:1:0:${row},scale=7:1:flags=neighbor -f rawvideo -pix_fmt rgb24 - | od -An -tu1 -v -w21`]);
    const rows = () => reader.output().trim().split('\n').filter((l) => l.trim()).map((l) => Buffer.from(l.trim().split(/\s+/).map(Number)));
    try {
      await waitFor(() => rows().some((r) => r.length === 21 && barsOf(r).join() === BARS.join()), 'the SMPTE bars at the consumer', { timeoutMs: 240_000 });
    } catch (err) {
      const last = rows().at(-1);
      throw new Error(`${(err as Error).message}; last row's bars: ${last ? barsOf(last).join(' ') : 'no frame'}; facemat said:\n${app.output().slice(-2500)}`);
    } finally {
      await reader.stop();
    }
    assert.doesNotMatch(app.output(), /corrupt/i);
  });
});
