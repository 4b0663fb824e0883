import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { VIVID_BARS, describeResult, facemat, outDir, requireVm, run, videoNode, vividBarsOf } from '../helpers.js';

// `facemat render` from a real V4L2 camera (vivid) for a fraction of a second: the file holds
// the camera's frames at their capture times, with vivid's colour bars. Under the VM's CPU
// emulation the model takes seconds a frame, so only the frames read before the duration ran
// out are rendered (the camera does not wait, docs/cli.md): at least one, each with its matte.

describe('facemat render from a real V4L2 camera (vivid)', function () {
  this.timeout(600_000);
  before(requireVm);

  it('records --duration of the camera into a video file: the camera\'s size, increasing capture times, its picture', async () => {
    const camera = videoNode('vivid-000-vid-cap');
    assert.ok(camera, 'vivid made a capture node');
    const file = join(outDir(), 'render-camera.mkv');
    rmSync(file, { force: true });
    const result = await facemat(
      ['render', `v4l2:${camera}`, file, '--duration', '0.5', '--size', '640x360', '--fps', '30', '--input-format', 'i420', '--filters', 'none'],
      { timeoutMs: 500_000 },
    );
    assert.equal(result.code, 0, describeResult(result));
    const written = /wrote (\d+) frames to /.exec(result.stderr);
    assert.ok(written && Number(written[1]) >= 1, describeResult(result));

    const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:frame=pts_time', '-of', 'json', file]);
    assert.equal(probe.code, 0, describeResult(probe));
    const info = JSON.parse(probe.stdout) as { streams: Array<{ width: number; height: number }>; frames: Array<{ pts_time: string }> };
    assert.deepEqual([info.streams[0].width, info.streams[0].height], [640, 360]);
    const times = info.frames.map((f) => Number(f.pts_time));
    assert.equal(times.length, Number(written![1]), 'every rendered frame is in the file');
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]), `capture times increase: ${times}`);
    assert.ok(times.at(-1)! < 0.5, `all within --duration: ${times}`);

    const last = await run('sh', ['-c', `ffmpeg -hide_banner -nostdin -loglevel error -i ${file} -f rawvideo -pix_fmt rgb24 - | tail -c ${640 * 360 * 3} | base64 -w0`]);
    const rgb = Buffer.from(last.stdout, 'base64');
    assert.equal(rgb.length, 640 * 360 * 3, describeResult(last));
    assert.deepEqual(vividBarsOf(rgb, 640, 360), VIVID_BARS);
  });
});
