import assert from 'node:assert/strict';
import { addWebcam, kernel, useCaptureDevice } from './test-addon.js';

const PATH = '/dev/video0';
const FRAME = new Uint8Array(320 * 240 * 2).fill(128);

describe('CaptureDevice unplug and replug (against the kernel double)', () => {
  const capture = useCaptureDevice();

  beforeEach(async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
  });

  it('fails a pending read with ENODEV when the camera is unplugged mid-stream', async () => {
    const target = new Uint8Array(320 * 240 * 4);
    const first = capture.device.read(target);
    kernel().pushFrame(PATH, FRAME);
    await first;
    const pending = capture.device.read(target);
    kernel().unplug(PATH);
    await assert.rejects(pending, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ENODEV');
      assert.match(err.message, /\/dev\/video0.*unplugged/);
      return true;
    });
  });

  it('keeps failing reads after the fault, without hanging', async () => {
    kernel().unplug(PATH);
    const target = new Uint8Array(320 * 240 * 4);
    await assert.rejects(capture.device.read(target), { code: 'ENODEV' });
    await assert.rejects(capture.device.read(target), { code: 'ENODEV' });
  });

  it('cannot reopen while the camera is away, and reopens once it is back', async () => {
    kernel().unplug(PATH);
    await assert.rejects(capture.device.read(new Uint8Array(320 * 240 * 4)), { code: 'ENODEV' });
    capture.device.close();
    await assert.rejects(capture.device.open(PATH, { width: 320, height: 240, fps: 30 }), { code: 'ENOENT' });
    kernel().replug(PATH);
    await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    const target = new Uint8Array(320 * 240 * 4);
    const reading = capture.device.read(target);
    kernel().pushFrame(PATH, FRAME);
    const frame = await reading;
    assert.equal(frame.sequence, 0, 'a fresh stream from the replugged camera');
    assert.equal(kernel().state(PATH).streaming, true);
  });

  it('closes cleanly after an unplug (the mapped buffers outlive the device)', async () => {
    kernel().unplug(PATH);
    await assert.rejects(capture.device.read(new Uint8Array(320 * 240 * 4)), { code: 'ENODEV' });
    capture.device.close();
    assert.equal(capture.device.isOpen, false);
  });
});
