import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { VIVID_BARS, describeResult, facemat, outDir, requireVm, run, videoNode, vividBarsOf } from '../helpers.js';

// vivid's camera in each pixel format the addon decodes and vivid offers (NV12 is the default,
// which 10-kernel.virtual-camera covers), at a size where it gives 25 fps and one where it gives
// 30: the file written must hold frames of that size, stamped at the camera's real rate, with
// vivid's colour bars (75 %: white, yellow, cyan, green, magenta, red, blue, black) in order.

const CASES = [
  { format: 'yuyv', fourcc: 'YUYV', width: 640, height: 480, fps: 25 },
  { format: 'i420', fourcc: 'YU12', width: 640, height: 360, fps: 30 },
];

describe('capture from a real V4L2 camera (vivid) in each pixel format, at 25 and 30 fps', function () {
  this.timeout(600_000);
  before(requireVm);

  for (const c of CASES) {
    it(`${c.fourcc} ${c.width}x${c.height} at ${c.fps} fps: whole frames, the camera's rate, the camera's picture`, async () => {
      const camera = videoNode('vivid-000-vid-cap');
      assert.ok(camera, 'vivid made a capture node');
      const file = join(outDir(), `capture-${c.format}.y4m`);
      rmSync(file, { force: true });
      const result = await facemat(
        ['run', '--source', `v4l2:${camera}`, '--input-format', c.format, '--size', `${c.width}x${c.height}`, '--fps', String(c.fps),
          '--filters', 'none', '--matte-lag', '1000', '--sink', `y4m:${file}`, '--frames', '4', '--control', 'off'],
        { timeoutMs: 400_000 },
      );
      assert.equal(result.code, 0, describeResult(result));
      assert.match(result.stderr, new RegExp(`opened v4l2:${camera} \\(vivid, ${c.fourcc} ${c.width}x${c.height}@${c.fps}\\)`), describeResult(result));
      const header = readFileSync(file).subarray(0, 100).toString('latin1').split('\n')[0];
      assert.match(header, new RegExp(`^YUV4MPEG2 W${c.width} H${c.height} F${c.fps}:1 `), header);
      const last = await run('sh', ['-c', `ffmpeg -hide_banner -nostdin -loglevel error -i ${file} -f rawvideo -pix_fmt rgb24 - | tail -c ${c.width * c.height * 3} | base64 -w0`]);
      const rgb = Buffer.from(last.stdout, 'base64');
      assert.equal(rgb.length, c.width * c.height * 3, describeResult(last));
      assert.deepEqual(vividBarsOf(rgb, c.width, c.height), VIVID_BARS);
    });
  }

  it('a pixel format the camera lacks is a one-line error naming what it offers, exit 1', async () => {
    const camera = videoNode('vivid-000-vid-cap')!;
    const result = await facemat(['run', '--source', `v4l2:${camera}`, '--input-format', 'mjpeg', '--size', '640x480', '--sink', 'null', '--frames', '2', '--control', 'off'], { timeoutMs: 400_000 });
    assert.equal(result.code, 1, describeResult(result));
    assert.match(result.stderr, /error: .*does not offer MJPG \(it offers: .*YUYV.*; leave --input-format out to let facemat choose\)/, describeResult(result));
  });

  it('a size the camera lacks is a one-line error listing the sizes, exit 1', async () => {
    const camera = videoNode('vivid-000-vid-cap')!;
    const result = await facemat(['run', '--source', `v4l2:${camera}`, '--size', '1000x500', '--sink', 'null', '--frames', '2', '--control', 'off'], { timeoutMs: 400_000 });
    assert.equal(result.code, 1, describeResult(result));
    assert.match(result.stderr, /cannot capture 1000x500 \(it offers: .*640x480/, describeResult(result));
  });
});
