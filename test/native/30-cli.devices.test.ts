import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command.js';
import { formatDevices, runDevices } from '../../src/cli/commands/devices.js';
import { NativeLoadError } from '../../src/native/loader.js';
import { captureIo, runCli, videoNodes } from './cli-run.js';
import { addWebcam, kernel, testAddon } from './test-addon.js';

describe('facemat devices', () => {
  beforeEach(() => kernel().reset());

  it('tells the truth about this machine and exits 0', () => {
    const { code, stdout } = runCli('devices');
    assert.equal(code, 0);
    const nodes = videoNodes();
    if (nodes.length === 0) {
      assert.match(stdout, /^no video devices: there is no \/dev\/video\* node on this machine\./);
      assert.match(stdout, /sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1/);
    } else {
      for (const node of nodes) assert.ok(stdout.includes(node), `${node} listed`);
    }
  });

  it('lists webcams with formats, sizes and rates, and says what each node is', async () => {
    addWebcam('/dev/video0');
    kernel().addCamera({ path: '/dev/video1', card: 'HD Webcam', caps: ['metadata-capture', 'streaming'] });
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    kernel().addLoopback({ path: '/dev/video11', card: 'OBS Virtual Camera' });
    const io = captureIo();
    assert.equal(await runDevices([], io, testAddon), 0);
    assert.deepEqual(io.out().trimEnd().split('\n'), [
      '/dev/video0  HD Webcam  [uvcvideo, usb-0000:00:14.0-1]  webcam',
      '    YUYV  640x480 @ 30, 15 fps; 1280x720 @ 10, 5 fps; 320x240 @ 30 fps',
      '    MJPG  1280x720 @ 30, 15 fps; 1920x1080 @ 30 fps; 640x480 @ 30 fps',
      '/dev/video1  HD Webcam  [uvcvideo, usb-0000:00:14.0-1]  metadata node (not a video stream)',
      '/dev/video10  FaceMat Camera  [v4l2 loopback, platform:v4l2loopback-000]  virtual camera (free)',
      "/dev/video11  OBS Virtual Camera  [v4l2 loopback, platform:v4l2loopback-000]  virtual camera (OBS's; facemat never uses it)",
    ]);
  });

  it('prints JSON with --json', async () => {
    addWebcam('/dev/video0');
    const io = captureIo();
    assert.equal(await runDevices(['--json'], io, testAddon), 0);
    const devices = JSON.parse(io.out());
    assert.equal(devices[0].path, '/dev/video0');
    assert.equal(devices[0].formats[1].fourcc, 'MJPG');
  });

  it('says how to get a device when there is none', () => {
    const lines = formatDevices([]);
    assert.match(lines[0], /^no video devices/);
    assert.ok(lines.some((line) => line.includes('facemat doctor')));
  });

  it('exits 1 with the loader\'s one line when the addon cannot load, and refuses unknown options', async () => {
    const io = captureIo();
    const code = await runDevices([], io, () => {
      throw new NativeLoadError('facemat native addon is not built: run `npm run build:native`');
    });
    assert.equal(code, 1);
    assert.equal(io.err(), 'facemat devices: facemat native addon is not built: run `npm run build:native`\n');
    await assert.rejects(runDevices(['--bogus'], captureIo(), testAddon), UsageError);
  });
});
