import assert from 'node:assert/strict';
import { addWebcam, kernel, testAddon } from './test-addon.js';

describe('devices.listDevices (against the kernel double)', () => {
  beforeEach(() => kernel().reset());

  afterEach(() => assert.equal(kernel().openFiles(), 0, 'every node closed after listing'));

  it('lists nothing when there are no nodes', () => {
    assert.deepEqual(testAddon().listDevices(), []);
  });

  it('lists each node in numeric order with card, driver, bus, capabilities and formats', () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    addWebcam('/dev/video2');
    kernel().addCamera({ path: '/dev/video3', card: 'HD Webcam', caps: ['metadata-capture', 'streaming'] });
    const devices = testAddon().listDevices();
    assert.deepEqual(devices.map((d) => d.path), ['/dev/video2', '/dev/video3', '/dev/video10']);

    const [webcam, metadata, loopback] = devices;
    assert.equal(webcam.card, 'HD Webcam');
    assert.equal(webcam.driver, 'uvcvideo');
    assert.equal(webcam.bus, 'usb-0000:00:14.0-1');
    assert.deepEqual(webcam.caps, ['video-capture', 'streaming']);
    assert.deepEqual(webcam.formats.map((f) => [f.fourcc, f.compressed]), [['YUYV', false], ['MJPG', true]]);
    assert.deepEqual(webcam.formats[1].sizes[0], { width: 1280, height: 720, fps: [30, 15] });
    assert.equal(webcam.formats[1].description, 'Motion-JPEG');

    assert.deepEqual(metadata.caps, ['metadata-capture', 'streaming']);
    assert.deepEqual(metadata.formats, []);

    assert.equal(loopback.driver, 'v4l2 loopback');
    assert.equal(loopback.card, 'FaceMat Camera');
    assert.ok(loopback.caps.includes('video-output'));
    assert.ok(!loopback.caps.includes('video-capture'), 'exclusive_caps: an output until someone writes');
  });

  it('describes a single node, and says why one cannot be opened', () => {
    addWebcam('/dev/video0');
    assert.equal(testAddon().describeDevice('/dev/video0').card, 'HD Webcam');
    const missing = testAddon().describeDevice('/dev/video9');
    assert.match(missing.error ?? '', /cannot open on \/dev\/video9: No such file or directory/);
    assert.deepEqual(missing.caps, []);
  });
});
