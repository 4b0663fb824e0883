import assert from 'node:assert/strict';
import { encodeJpeg } from '../../src/native/index.js';
import { NativeLoadError } from '../../src/native/loader.js';
import { nowMs } from '../../src/pipeline/frame.js';
import type { FrameSource } from '../../src/pipeline/source/frame-source.js';
import { SourceFault } from '../../src/pipeline/source/frame-source.js';
import { createV4l2Source } from '../../src/pipeline/source/v4l2-source.js';
import { recordingLogger } from './recording-logger.js';
import { addWebcam, deliver, kernel, testAddon } from './test-addon.js';
import { waitUntil } from '../helpers/wait.js';
import { gradientRgba } from './yuv-reference.js';

const FORMAT = { width: 640, height: 480, fps: 30 };
const JPEG = encodeJpeg(gradientRgba(640, 480), 640, 480, 80);

async function fault(promise: Promise<unknown>): Promise<SourceFault> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SourceFault, `expected a SourceFault, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('V4l2Source (FrameSource over the addon and the kernel double)', () => {
  let source: FrameSource;
  let log: string[];

  beforeEach(() => {
    kernel().reset();
    log = [];
  });

  afterEach(async () => {
    await source?.close();
    assert.equal(kernel().openFiles(), 0, 'every descriptor closed');
  });

  it('opens the named node, says what it negotiated and delivers frames stamped on the nowMs clock', async () => {
    addWebcam('/dev/video0');
    source = createV4l2Source('v4l2:/dev/video0', recordingLogger(log), testAddon);
    assert.deepEqual(await source.open(FORMAT), FORMAT);
    assert.equal(source.description, 'v4l2:/dev/video0 (HD Webcam, MJPG 640x480@30)');
    assert.ok(log.some((line) => line.startsWith('info opened v4l2:/dev/video0')));
    const target = new Uint8Array(640 * 480 * 4);
    const before = nowMs();
    const reading = source.read(target);
    kernel().pushFrame('/dev/video0', JPEG);
    const captureMs = await reading;
    assert.ok(captureMs !== null && captureMs >= before - 1 && captureMs <= nowMs() + 1, `captureMs ${captureMs} within [${before}, ${nowMs()}]`);
    assert.notEqual(target[0] + target[1] + target[2], 0, 'the frame was written');
  });

  it('releases the camera when paused and opens it again on the next read', async () => {
    addWebcam('/dev/video0');
    source = createV4l2Source('v4l2:/dev/video0', recordingLogger(log), testAddon);
    await source.open(FORMAT);
    await source.pause!();
    assert.equal(kernel().openFiles(), 0, 'the camera is closed while paused');
    assert.ok(log.some((line) => /released \/dev\/video0 while nobody watches/.test(line)));
    const target = new Uint8Array(640 * 480 * 4);
    const reading = source.read(target);
    await waitUntil(() => kernel().openFiles() > 0, 'the camera to be opened again');
    await deliver('/dev/video0', JPEG);
    assert.notEqual(await reading, null);
    assert.equal(log.filter((line) => line.startsWith('info opened v4l2:/dev/video0')).length, 2);
  });

  it('picks the first webcam when no node is named, skipping loopback and metadata nodes', async () => {
    kernel().addLoopback({ path: '/dev/video0', card: 'FaceMat Camera' });
    kernel().addCamera({ path: '/dev/video1', caps: ['metadata-capture', 'streaming'] });
    addWebcam('/dev/video2');
    source = createV4l2Source('v4l2:', recordingLogger(log), testAddon);
    await source.open(FORMAT);
    assert.match(source.description, /^v4l2:\/dev\/video2 /);
  });

  it('turns an unplug into a recoverable SourceFault and comes back on reopen', async () => {
    addWebcam('/dev/video0');
    source = createV4l2Source('/dev/video0', recordingLogger(log), testAddon);
    await source.open(FORMAT);
    const target = new Uint8Array(640 * 480 * 4);
    const reading = source.read(target);
    kernel().unplug('/dev/video0');
    const lost = await fault(reading);
    assert.equal(lost.recoverable, true);
    assert.match(lost.message, /unplugged/);

    // The scheduler closes and reopens until the camera is back.
    await source.close();
    const away = await fault(source.open(FORMAT));
    assert.equal(away.recoverable, true);
    kernel().replug('/dev/video0');
    await source.close();
    assert.deepEqual(await source.open(FORMAT), FORMAT);
    const again = source.read(target);
    kernel().pushFrame('/dev/video0', JPEG);
    assert.equal(typeof (await again), 'number');
  });

  it('waits for the same camera after an unplug when it chose one itself', async () => {
    addWebcam('/dev/video0');
    addWebcam('/dev/video2');
    source = createV4l2Source(undefined, recordingLogger(log), testAddon);
    await source.open(FORMAT);
    kernel().unplug('/dev/video0');
    await source.close();
    const away = await fault(source.open(FORMAT));
    assert.match(away.message, /\/dev\/video0/);
  });

  it('treats a busy camera as recoverable and a wrong one as fatal', async () => {
    addWebcam('/dev/video0');
    kernel().addCamera({ path: '/dev/video1', caps: ['metadata-capture', 'streaming'] });
    kernel().setBusy('/dev/video0', true);
    source = createV4l2Source('/dev/video0', recordingLogger(log), testAddon);
    const busy = await fault(source.open(FORMAT));
    assert.equal(busy.recoverable, true);
    assert.match(busy.message, /busy/);

    const metadata = await fault(createV4l2Source('/dev/video1', recordingLogger(log), testAddon).open(FORMAT));
    assert.equal(metadata.recoverable, false);
    assert.match(metadata.message, /not a video capture device/);

    kernel().setBusy('/dev/video0', false);
    const size = await fault(source.open({ width: 1000, height: 1000, fps: 30 }));
    assert.equal(size.recoverable, false);
    assert.match(size.message, /cannot capture 1000x1000/);
  });

  it('says plainly when there is no webcam at all', async () => {
    source = createV4l2Source(undefined, recordingLogger(log), testAddon);
    const none = await fault(source.open(FORMAT));
    assert.equal(none.recoverable, true);
    assert.match(none.message, /no webcam found .*facemat devices/);
  });

  it('reports an addon that cannot load as a fatal SourceFault with its one-line reason', async () => {
    source = createV4l2Source('/dev/video0', recordingLogger(log), () => {
      throw new NativeLoadError('facemat native addon is not built: run `npm run build:native`');
    });
    const broken = await fault(source.open(FORMAT));
    assert.equal(broken.recoverable, false);
    assert.match(broken.message, /npm run build:native/);
  });

  it('warns when the camera cannot reach the frame rate', async () => {
    addWebcam('/dev/video0');
    source = createV4l2Source('/dev/video0', recordingLogger(log), testAddon);
    assert.deepEqual(await source.open({ width: 1280, height: 720, fps: 60 }), { width: 1280, height: 720, fps: 30 });
    assert.ok(log.some((line) => line === 'warn /dev/video0 gives 30 fps at 1280x720, not 60'));
  });
});
