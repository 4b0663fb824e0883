import assert from 'node:assert/strict';
import { CommandError } from '../../src/pipeline/controller/commands.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import type { OutputFrame } from '../../src/pipeline/frame.js';
import { V4l2VirtualCamera, createVirtualCamera } from '../../src/pipeline/sink/v4l2-virtual-camera.js';
import { recordingLogger } from './recording-logger.js';
import { addWebcam, kernel, testAddon } from './test-addon.js';
import { waitUntil } from '../helpers/wait.js';
import { randomRgba } from './yuv-reference.js';

const FORMAT = { width: 64, height: 48, fps: 30 };
const FRAME: OutputFrame = { seq: 1, captureMs: 0, width: 64, height: 48, rgba: randomRgba(64, 48, 1) };

describe('V4l2VirtualCamera (VirtualCamera and FrameSink over a v4l2 sink)', () => {
  let camera: V4l2VirtualCamera;
  let log: string[];

  beforeEach(() => {
    kernel().reset();
    log = [];
  });

  afterEach(async () => {
    await camera?.close();
    assert.equal(kernel().openFiles(), 0, 'every descriptor closed');
  });

  it('is unavailable without a loopback node, and says how to get one', async () => {
    camera = createVirtualCamera({}, recordingLogger(log), testAddon);
    assert.equal(camera.available, false);
    assert.equal(camera.active, false);
    assert.match(camera.detail, /no v4l2loopback device; run `facemat camera load` \(or sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1\)/);
    await camera.open(FORMAT);
    await camera.write(FRAME);
    assert.equal(camera.hasConsumers(), false);
    const controller = new PipelineController({ chain: [], preset: 'none', virtualCamera: camera });
    await assert.rejects(controller.execute({ type: 'virtualcam.start' }, 'cli'), (err: unknown) => err instanceof CommandError && err.code === 'unavailable');
  });

  it('when the user asked for it, fails the start with the reason and the fix (missing module, wrong node, a camera)', async () => {
    camera = createVirtualCamera({ required: true }, recordingLogger(log), testAddon);
    await assert.rejects(camera.open(FORMAT), /^Error: cannot use the virtual camera: no v4l2loopback device; run `facemat camera load`/);
    camera = createVirtualCamera({ device: '/dev/video99', required: true }, recordingLogger(log), testAddon);
    await assert.rejects(camera.open(FORMAT), /cannot use the virtual camera: .*\/dev\/video99.*; `facemat camera load` makes a virtual camera$/);
    addWebcam('/dev/video0');
    camera = createVirtualCamera({ device: '/dev/video0', required: true }, recordingLogger(log), testAddon);
    await assert.rejects(camera.open(FORMAT), /\/dev\/video0 \(HD Webcam\) is not a free video output: it is a camera \(uvcvideo\), not a v4l2loopback node; `facemat devices` lists/);
  });

  it('starts with the pipeline and writes its frames to the node', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    camera = createVirtualCamera({}, recordingLogger(log), testAddon);
    assert.equal(camera.available, true);
    assert.equal(camera.detail, '/dev/video10 (FaceMat Camera)');
    await camera.open(FORMAT);
    assert.equal(camera.active, true);
    await camera.write(FRAME);
    assert.equal(kernel().state('/dev/video10').framesWritten, 1);
    await waitUntil(() => camera.detail === '/dev/video10 (0 readers)', 'the reader count in the detail');
    kernel().addReader('/dev/video10');
    await waitUntil(() => camera.hasConsumers(), 'a consumer');
  });

  it('is started and stopped through the PipelineController, and drops frames while stopped', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    camera = createVirtualCamera({ autoStart: false }, recordingLogger(log), testAddon);
    const controller = new PipelineController({ chain: [], preset: 'none', virtualCamera: camera });
    const events: boolean[] = [];
    controller.on('virtualcam', ({ active }) => events.push(active));
    await camera.open(FORMAT);
    assert.equal(controller.state().virtualcam.active, false);
    await camera.write(FRAME);
    assert.equal(kernel().state('/dev/video10').framesWritten, 0);

    await controller.execute({ type: 'virtualcam.start' }, 'cli');
    const state = controller.state().virtualcam;
    assert.equal(state.available, true);
    assert.equal(state.active, true);
    assert.match(state.detail, /^\/dev\/video10 \(/);
    await camera.write(FRAME);
    assert.equal(kernel().state('/dev/video10').framesWritten, 1);

    await controller.execute({ type: 'virtualcam.toggle' }, 'http');
    assert.equal(camera.active, false);
    assert.equal(kernel().state('/dev/video10').hasWriter, false, 'the node is free for others');
    assert.deepEqual(events, [true, false]);
  });

  it('stays stopped, with the reason, when another program writes to the node', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    const other = new (testAddon().LoopbackWriter)();
    other.open('/dev/video10', FORMAT);
    try {
      camera = createVirtualCamera({ device: 'v4l2:/dev/video10' }, recordingLogger(log), testAddon);
      assert.equal(camera.available, false);
      assert.match(camera.detail, /\/dev\/video10 \(FaceMat Camera\) is not a free video output/);
      await camera.open(FORMAT);
      assert.equal(camera.active, false);
    } finally {
      other.close();
    }
  });

  it('logs and stays stopped when starting fails, without failing the pipeline', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    camera = createVirtualCamera({ format: 'i420' }, recordingLogger(log), testAddon);
    await camera.open({ width: 0, height: 48, fps: 30 });
    assert.equal(camera.active, false);
    assert.ok(log.some((line) => line.startsWith('warn virtual camera not started:')));
    assert.match(camera.detail, /start failed: /);
  });

  it('stops itself, with the reason, when the device fails while writing', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    camera = createVirtualCamera({}, recordingLogger(log), testAddon);
    await camera.open(FORMAT);
    kernel().unplug('/dev/video10');
    await camera.write(FRAME);
    assert.equal(camera.active, false);
    assert.equal(camera.hasConsumers(), false);
    assert.match(camera.detail, /stopped after an error: .*\/dev\/video10.*ENODEV/);
    assert.ok(log.some((line) => line.startsWith('warn virtual camera stopped:')));
    await camera.write(FRAME);
  });
});
