import assert from 'node:assert/strict';
import { decodeJpeg, encodeJpeg, i420ToRgba, nv12ToRgba, rgbaToI420, rgbaToYuyv, yuyvToRgba } from '../../src/native/index.js';
import { frameBytes } from '../../src/pipeline/frame.js';
import { addWebcam, deliver, kernel, testAddon, ticks, useCaptureDevice } from './test-addon.js';
import { waitUntil } from '../helpers/wait.js';
import { gradientRgba, randomRgba } from './yuv-reference.js';

const PATH = '/dev/video0';

describe('CaptureDevice.read (the capture thread against the kernel double)', () => {
  const capture = useCaptureDevice();

  it('decodes MJPEG frames in the capture thread into the buffer given to read()', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 640, height: 480, fps: 30 });
    const jpeg = encodeJpeg(gradientRgba(640, 480), 640, 480, 90);
    const expected = new Uint8Array(640 * 480 * 4);
    decodeJpeg(jpeg, expected);
    const target = new Uint8Array(640 * 480 * 4);
    const reading = capture.device.read(target);
    assert.equal(kernel().pushFrame(PATH, jpeg), true);
    const frame = await reading;
    assert.equal(frame.sequence, 0);
    assert.deepEqual(target, expected);
  });

  it('keeps the event loop free while it waits for the camera', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 640, height: 480, fps: 30 });
    let settled = false;
    const reading = capture.device.read(new Uint8Array(640 * 480 * 4)).then(() => (settled = true));
    // Twenty trips through the event loop complete while the capture thread waits.
    await ticks(20);
    assert.equal(settled, false, 'no frame yet, so the read is still pending');
    kernel().pushFrame(PATH, encodeJpeg(randomRgba(640, 480), 640, 480, 70));
    await reading;
    assert.equal(settled, true);
  });

  it('converts YUYV frames, honouring padded rows', async () => {
    addWebcam(PATH, { bytesPerLinePadding: 64 });
    const format = await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    assert.equal(format.fourcc, 'YUYV');
    assert.equal(format.bytesPerLine, 320 * 2 + 64);
    const picture = randomRgba(320, 240, 21);
    const packed = new Uint8Array(320 * 240 * 2);
    rgbaToYuyv(picture, 320, 240, packed);
    const padded = new Uint8Array(format.bytesPerLine * 240);
    for (let y = 0; y < 240; y++) padded.set(packed.subarray(y * 640, (y + 1) * 640), y * format.bytesPerLine);
    const expected = new Uint8Array(320 * 240 * 4);
    yuyvToRgba(packed, 320, 240, expected);
    const target = new Uint8Array(320 * 240 * 4);
    const reading = capture.device.read(target);
    kernel().pushFrame(PATH, padded);
    await reading;
    assert.deepEqual(target, expected);
  });

  it('converts NV12 and YU12 (I420) frames', async () => {
    for (const fourcc of ['NV12', 'YU12'] as const) {
      kernel().reset();
      kernel().addCamera({ path: PATH, formats: [{ fourcc, sizes: [{ width: 64, height: 48, fps: [30] }] }] });
      const capture = new (testAddon().CaptureDevice)();
      await capture.open(PATH, { width: 64, height: 48, fps: 30 });
      const i420 = new Uint8Array(frameBytes('i420', 64, 48));
      rgbaToI420(randomRgba(64, 48, 5), 64, 48, i420);
      let frame = i420;
      const expected = new Uint8Array(64 * 48 * 4);
      if (fourcc === 'NV12') {
        frame = new Uint8Array(i420.length);
        frame.set(i420.subarray(0, 64 * 48));
        const quarter = 32 * 24;
        for (let i = 0; i < quarter; i++) {
          frame[64 * 48 + 2 * i] = i420[64 * 48 + i];
          frame[64 * 48 + 2 * i + 1] = i420[64 * 48 + quarter + i];
        }
        nv12ToRgba(frame, 64, 48, expected);
      } else {
        i420ToRgba(i420, 64, 48, expected);
      }
      const target = new Uint8Array(64 * 48 * 4);
      const reading = capture.read(target);
      kernel().pushFrame(PATH, frame);
      await reading;
      capture.close();
      assert.deepEqual(target, expected, fourcc);
    }
  });

  it('hands over the newest frame when several arrived unread, counting the older as dropped', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    const frames = [1, 2, 3].map((seed) => {
      const packed = new Uint8Array(320 * 240 * 2);
      rgbaToYuyv(randomRgba(320, 240, seed), 320, 240, packed);
      return packed;
    });
    for (const frame of frames) await deliver(PATH, frame);
    await waitUntil(() => capture.device.stats().captured === 3, 'three frames decoded');
    const target = new Uint8Array(320 * 240 * 4);
    const frame = await capture.device.read(target);
    assert.equal(frame.sequence, 2);
    const expected = new Uint8Array(320 * 240 * 4);
    yuyvToRgba(frames[2], 320, 240, expected);
    assert.deepEqual(target, expected);
    assert.deepEqual(capture.device.stats(), { captured: 3, delivered: 1, dropped: 2, corrupt: 0 });
  });

  it('keeps capturing: buffers return to the queue, sequence and timestamps advance', async () => {
    addWebcam();
    const format = await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    const yuyv = new Uint8Array(320 * 240 * 2).fill(128);
    const target = new Uint8Array(320 * 240 * 4);
    let last = -Infinity;
    for (let i = 0; i < 12; i++) {
      const reading = capture.device.read(target);
      await deliver(PATH, yuyv);
      const frame = await reading;
      assert.equal(frame.sequence, i);
      assert.ok(frame.timestampMs >= last);
      last = frame.timestampMs;
    }
    await waitUntil(() => kernel().state(PATH).queued === format.buffers, 'every buffer back in the queue');
    assert.equal(kernel().state(PATH).dropped, 0, 'the camera never found the queue empty');
  });

  it('drops a damaged MJPEG frame and a buffer flagged as an error, then goes on', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 640, height: 480, fps: 30 });
    const good = encodeJpeg(gradientRgba(640, 480), 640, 480, 80);
    const damaged = Buffer.from(good);
    damaged.fill(0xff, 2, 60);
    const target = new Uint8Array(640 * 480 * 4);
    const reading = capture.device.read(target);
    await deliver(PATH, damaged);
    await deliver(PATH, good, { error: true });
    await deliver(PATH, encodeJpeg(gradientRgba(320, 240), 320, 240, 80)); // wrong size
    await deliver(PATH, good);
    const frame = await reading;
    assert.equal(frame.sequence, 3);
    const expected = new Uint8Array(640 * 480 * 4);
    decodeJpeg(good, expected);
    assert.deepEqual(target, expected);
    assert.equal(capture.device.stats().corrupt, 3);
  });

  it('allows one read at a time and checks the target size', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    const first = capture.device.read(new Uint8Array(320 * 240 * 4));
    await assert.rejects(capture.device.read(new Uint8Array(320 * 240 * 4)), { code: 'EBUSY', message: /a read is already pending/ });
    assert.throws(() => capture.device.read(new Uint8Array(10)), { name: 'RangeError', message: /target holds 10 bytes, one RGBA frame needs 307200/ });
    kernel().pushFrame(PATH, new Uint8Array(320 * 240 * 2));
    await first;
  });

  it('fails a pending read when the device is closed, and reads after close', async () => {
    addWebcam();
    await capture.device.open(PATH, { width: 320, height: 240, fps: 30 });
    const pending = capture.device.read(new Uint8Array(320 * 240 * 4));
    capture.device.close();
    await assert.rejects(pending, { code: 'ECLOSED' });
    await assert.rejects(capture.device.read(new Uint8Array(320 * 240 * 4)), { code: 'ECLOSED' });
  });
});
