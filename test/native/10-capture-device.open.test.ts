import assert from 'node:assert/strict';
import { addWebcam, kernel, testAddon, useCaptureDevice } from './test-addon.js';

describe('CaptureDevice.open (against the V4L2 kernel double)', () => {
  const capture = useCaptureDevice();

  it('prefers MJPEG at the requested size and frame rate', async () => {
    addWebcam();
    const format = await capture.device.open('/dev/video0', { width: 1280, height: 720, fps: 30 });
    assert.equal(format.fourcc, 'MJPG');
    assert.deepEqual([format.width, format.height, format.fps], [1280, 720, 30]);
    assert.equal(format.card, 'HD Webcam');
    assert.equal(capture.device.isOpen, true);
  });

  it('streams through a short queue of mmap buffers', async () => {
    addWebcam();
    const format = await capture.device.open('/dev/video0', { width: 1280, height: 720, fps: 30 });
    const state = kernel().state('/dev/video0');
    assert.ok(format.buffers >= 2 && format.buffers <= 4, `${format.buffers} buffers`);
    assert.equal(state.buffers, format.buffers);
    assert.equal(state.queued, format.buffers, 'all buffers queued');
    assert.equal(state.streaming, true);
    const calls = kernel().calls('/dev/video0');
    const order = ['QUERYCAP', 'S_FMT', 'S_PARM', 'REQBUFS', 'QUERYBUF', 'QBUF', 'STREAMON'].map((name) => calls.indexOf(name));
    assert.deepEqual([...order].sort((a, b) => a - b), order, `ioctl order: ${calls.join(' ')}`);
    assert.ok(!order.includes(-1));
  });

  it('takes YUYV when MJPEG does not offer the size', async () => {
    addWebcam();
    const format = await capture.device.open('/dev/video0', { width: 320, height: 240, fps: 30 });
    assert.equal(format.fourcc, 'YUYV');
    assert.equal(kernel().state('/dev/video0').fourcc, 'YUYV');
  });

  it('prefers a format that reaches the frame rate over one that does not', async () => {
    kernel().addCamera({
      path: '/dev/video0',
      formats: [
        { fourcc: 'MJPG', sizes: [{ width: 640, height: 480, fps: [15] }] },
        { fourcc: 'NV12', sizes: [{ width: 640, height: 480, fps: [30] }] },
      ],
    });
    const format = await capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30 });
    assert.equal(format.fourcc, 'NV12');
  });

  it('takes only the pixel format asked for, even a slower one, and says which formats exist when it is missing', async () => {
    addWebcam();
    const format = await capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30, format: 'yuyv' });
    assert.equal(format.fourcc, 'YUYV');
    capture.device.close();
    await assert.rejects(capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30, format: 'nv12' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EUNSUPPORTED');
      assert.match(err.message, /\/dev\/video0 does not offer NV12 \(it offers: YUYV .*; MJPG .*; leave --input-format out to let facemat choose\)/);
      return true;
    });
    await assert.rejects(capture.device.open('/dev/video0', { width: 1920, height: 1080, fps: 30, format: 'yuyv' }), /cannot capture 1920x1080 in YUYV/);
    assert.throws(() => capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30, format: 'rgb' as 'yuyv' }), /format must be 'mjpeg', 'nv12', 'yuyv' or 'i420'/);
  });

  it('settles for the fastest rate on offer and says so', async () => {
    addWebcam();
    const format = await capture.device.open('/dev/video0', { width: 1280, height: 720, fps: 60 });
    assert.equal(format.fps, 30);
    assert.equal(kernel().state('/dev/video0').fps, 30);
  });

  it('refuses a size the camera cannot give, naming the sizes it can', async () => {
    addWebcam();
    await assert.rejects(capture.device.open('/dev/video0', { width: 1000, height: 1000, fps: 30 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EUNSUPPORTED');
      assert.match(err.message, /\/dev\/video0 cannot capture 1000x1000 \(it offers: YUYV 640x480 1280x720 320x240; MJPG 1280x720 1920x1080 640x480\)/);
      return true;
    });
    assert.equal(capture.device.isOpen, false);
  });

  it('refuses a camera with no format it can decode', async () => {
    kernel().addCamera({ path: '/dev/video0', formats: [{ fourcc: 'H264', sizes: [{ width: 1280, height: 720, fps: [30] }] }] });
    await assert.rejects(capture.device.open('/dev/video0', { width: 1280, height: 720, fps: 30 }), {
      code: 'EUNSUPPORTED',
      message: /offers no pixel format facemat can decode \(it offers: H264 1280x720/,
    });
  });

  it('reports a busy camera as EBUSY with what to do', async () => {
    addWebcam();
    kernel().setBusy('/dev/video0', true);
    await assert.rejects(capture.device.open('/dev/video0', { width: 1280, height: 720, fps: 30 }), {
      code: 'EBUSY',
      message: /VIDIOC_S_FMT on \/dev\/video0: Device or resource busy \(EBUSY\); another program is using the device/,
    });
  });

  it('reports a metadata node as not a camera, pointing at the other node', async () => {
    kernel().addCamera({ path: '/dev/video1', caps: ['metadata-capture', 'streaming'] });
    await assert.rejects(capture.device.open('/dev/video1', { width: 640, height: 480, fps: 30 }), {
      code: 'ENOTCAPTURE',
      message: /\/dev\/video1 \(Fake Camera\) is not a video capture device \(it offers metadata capture\); webcams have a second node/,
    });
  });

  it('reports a virtual camera output as not a camera', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    await assert.rejects(capture.device.open('/dev/video10', { width: 640, height: 480, fps: 30 }), {
      code: 'ENOTCAPTURE',
      message: /is a video output \(such as a v4l2loopback virtual camera\)/,
    });
  });

  it('reports a missing node as ENOENT', async () => {
    await assert.rejects(capture.device.open('/dev/video7', { width: 640, height: 480, fps: 30 }), {
      code: 'ENOENT',
      message: /cannot open on \/dev\/video7: No such file or directory \(ENOENT\)/,
    });
  });

  it('refuses nonsense requests and a second open', async () => {
    addWebcam();
    await assert.rejects(capture.device.open('/dev/video0', { width: 0, height: 480, fps: 30 }), { code: 'EINVAL' });
    await capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30 });
    await assert.rejects(capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30 }), { code: 'EBUSY', message: /already open/ });
    assert.throws(() => capture.device.open(42 as unknown as string, { width: 640, height: 480, fps: 30 }), { name: 'TypeError' });
  });

  it('releases the device on close so another open can take it', async () => {
    addWebcam();
    await capture.device.open('/dev/video0', { width: 640, height: 480, fps: 30 });
    capture.device.close();
    assert.equal(capture.device.isOpen, false);
    assert.equal(kernel().state('/dev/video0').streaming, false);
    const other = new (testAddon().CaptureDevice)();
    await other.open('/dev/video0', { width: 640, height: 480, fps: 30 });
    other.close();
  });
});
