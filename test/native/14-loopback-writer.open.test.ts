import assert from 'node:assert/strict';
import { frameBytes } from '../../src/pipeline/frame.js';
import { addWebcam, kernel, testAddon, useLoopbackWriter } from './test-addon.js';

const PATH = '/dev/video10';

describe('LoopbackWriter.open (against the v4l2loopback double)', () => {
  const output = useLoopbackWriter();

  beforeEach(() => {
    kernel().addLoopback({ path: PATH, card: 'FaceMat Camera' });
  });

  it('sets the frame rate, then YUYV with whole-frame sizes, as OBS does', () => {
    const info = output.writer.open(PATH, { width: 1280, height: 720, fps: 30 });
    assert.deepEqual(kernel().calls(PATH).slice(0, 4), ['QUERYCAP', 'S_PARM', 'S_FMT', 'STREAMON']);
    const state = kernel().state(PATH);
    assert.deepEqual([state.fourcc, state.width, state.height], ['YUYV', 1280, 720]);
    assert.equal(state.bytesPerLine, 2560);
    assert.equal(state.sizeImage, 1280 * 720 * 2);
    assert.equal(state.fps, 30);
    assert.equal(state.hasWriter, true);
    assert.deepEqual(info, { card: 'FaceMat Camera', driver: 'v4l2 loopback', bytesPerLine: 2560, sizeImage: 1843200, readerDetection: 'event' });
    assert.equal(output.writer.isOpen, true);
  });

  it('leaves the node writable after it closes, so facemat can start again (v4l2loopback 0.12)', async () => {
    // 0.12 announces VIDEO_OUTPUT again only after a writer that did STREAMON closes; one that
    // only write()s leaves the node a capture device until the module is reloaded.
    output.writer.open(PATH, { width: 64, height: 48, fps: 30 });
    await output.writer.write(new Uint8Array(64 * 48 * 4));
    output.writer.close();
    assert.doesNotThrow(() => output.writer.open(PATH, { width: 64, height: 48, fps: 30 }));
    assert.equal(kernel().state(PATH).hasWriter, true);
  });

  it('writes I420 on request and passes fractional rates', () => {
    const info = output.writer.open(PATH, { width: 640, height: 360, fps: 29.97, format: 'i420' });
    const state = kernel().state(PATH);
    assert.equal(state.fourcc, 'YU12');
    assert.equal(info.sizeImage, frameBytes('i420', 640, 360));
    assert.ok(Math.abs(state.fps - 29.97) < 1e-9);
  });

  it('announces itself as a capture device once writing (exclusive_caps)', () => {
    output.writer.open(PATH, { width: 640, height: 480, fps: 30 });
    const listed = testAddon().describeDevice(PATH);
    assert.ok(listed.caps.includes('video-capture'));
    assert.ok(!listed.caps.includes('video-output'));
  });

  it('refuses a second writer with a message that says someone else writes', () => {
    output.writer.open(PATH, { width: 640, height: 480, fps: 30 });
    const second = new (testAddon().LoopbackWriter)();
    assert.throws(() => second.open(PATH, { width: 640, height: 480, fps: 30 }), {
      code: 'ENOTOUTPUT',
      message: /another program is writing to this v4l2loopback device/,
    });
    assert.equal(second.isOpen, false);
  });

  it('refuses a webcam, which is no output', () => {
    addWebcam('/dev/video0');
    assert.throws(() => output.writer.open('/dev/video0', { width: 640, height: 480, fps: 30 }), {
      code: 'ENOTOUTPUT',
      message: /\/dev\/video0 \(HD Webcam\) is not a video output device: a virtual camera needs a v4l2loopback device, see `facemat doctor`/,
    });
  });

  it('refuses odd YUYV widths, missing nodes and a second open', () => {
    assert.throws(() => output.writer.open(PATH, { width: 641, height: 480, fps: 30 }), { code: 'EINVAL', message: /even width/ });
    assert.throws(() => output.writer.open('/dev/video11', { width: 640, height: 480, fps: 30 }), { code: 'ENOENT' });
    assert.throws(() => output.writer.open(PATH, { width: 640, height: 480, fps: 30, format: 'rgb24' as 'yuyv' }), { name: 'TypeError' });
    output.writer.open(PATH, { width: 640, height: 480, fps: 30 });
    assert.throws(() => output.writer.open(PATH, { width: 640, height: 480, fps: 30 }), { code: 'EBUSY', message: /already open/ });
  });

  it('gives the node back on close', () => {
    output.writer.open(PATH, { width: 640, height: 480, fps: 30 });
    output.writer.close();
    assert.equal(output.writer.isOpen, false);
    assert.equal(kernel().state(PATH).hasWriter, false);
    assert.ok(testAddon().describeDevice(PATH).caps.includes('video-output'));
  });
});
