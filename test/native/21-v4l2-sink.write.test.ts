import assert from 'node:assert/strict';
import { rgbaToYuyv } from '../../src/native/index.js';
import type { OutputFrame } from '../../src/pipeline/frame.js';
import { V4l2Sink, createV4l2Sink } from '../../src/pipeline/sink/v4l2-sink.js';
import { recordingLogger } from './recording-logger.js';
import { kernel, testAddon } from './test-addon.js';
import { waitUntil } from '../helpers/wait.js';
import { randomRgba } from './yuv-reference.js';

const FORMAT = { width: 64, height: 48, fps: 30 };

function frame(seed: number, width = 64, height = 48): OutputFrame {
  return { seq: seed, captureMs: 0, width, height, rgba: randomRgba(width, height, seed) };
}

describe('V4l2Sink (FrameSink over the addon and the v4l2loopback double)', () => {
  let sink: V4l2Sink;
  let log: string[];

  beforeEach(() => {
    kernel().reset();
    log = [];
  });

  afterEach(async () => {
    await sink?.close();
    assert.equal(kernel().openFiles(), 0, 'every descriptor closed');
  });

  it('finds the "FaceMat Camera" node first, never OBS\'s, and writes YUYV frames to it', async () => {
    kernel().addLoopback({ path: '/dev/video9', card: 'OBS Virtual Camera' });
    kernel().addLoopback({ path: '/dev/video10', card: 'Dummy video device (0x0000)' });
    kernel().addLoopback({ path: '/dev/video11', card: 'FaceMat Camera' });
    sink = createV4l2Sink('v4l2:', {}, recordingLogger(log), testAddon);
    await sink.open(FORMAT);
    assert.equal(sink.description, 'v4l2:/dev/video11 (FaceMat Camera, YUYV 64x48@30)');
    const out = frame(3);
    await sink.write(out);
    const expected = new Uint8Array(64 * 48 * 2);
    rgbaToYuyv(out.rgba, 64, 48, expected);
    assert.deepEqual(new Uint8Array(kernel().lastFrame('/dev/video11')!), expected);
    assert.equal(kernel().state('/dev/video9').framesWritten, 0);
    assert.equal(sink.stats().framesWritten, 1);
  });

  it('takes any loopback but OBS\'s when none is labelled "FaceMat Camera"', async () => {
    kernel().addLoopback({ path: '/dev/video2', card: 'OBS Virtual Camera' });
    kernel().addLoopback({ path: '/dev/video3', card: 'Dummy video device (0x0001)' });
    sink = createV4l2Sink(undefined, {}, recordingLogger(log), testAddon);
    await sink.open(FORMAT);
    assert.equal(sink.devicePath, '/dev/video3');
  });

  it('refuses to guess when only OBS\'s node exists, and says how to make one', async () => {
    kernel().addLoopback({ path: '/dev/video2', card: 'OBS Virtual Camera' });
    sink = createV4l2Sink(undefined, {}, recordingLogger(log), testAddon);
    await assert.rejects(sink.open(FORMAT), /no virtual camera device \(the only v4l2loopback device is OBS's.*modprobe v4l2loopback .*card_label="FaceMat Camera"/);
  });

  it('writes to the node it is given, in I420 on request', async () => {
    kernel().addLoopback({ path: '/dev/video20', card: 'Other' });
    sink = createV4l2Sink('/dev/video20', { format: 'i420' }, recordingLogger(log), testAddon);
    await sink.open(FORMAT);
    await sink.write(frame(1));
    assert.equal(kernel().state('/dev/video20').fourcc, 'YU12');
  });

  it('reports consumers as readers come and go', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    sink = createV4l2Sink(undefined, {}, recordingLogger(log), testAddon);
    assert.equal(sink.hasConsumers(), false, 'not open: nobody can watch');
    await sink.open(FORMAT);
    await waitUntil(() => !sink.hasConsumers(), 'the initial count of zero');
    kernel().addReader('/dev/video10');
    await waitUntil(() => sink.hasConsumers(), 'a consumer');
    assert.equal(sink.stats().readerDetection, 'event');
    kernel().removeReader('/dev/video10');
    await waitUntil(() => !sink.hasConsumers(), 'no consumer');
    await waitUntil(() => log.includes('info /dev/video10: 0 readers'), 'the log line');
  });

  it('counts a frame the device would not take as dropped instead of failing', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    sink = createV4l2Sink(undefined, {}, recordingLogger(log), testAddon);
    await sink.open(FORMAT);
    kernel().setWriteBehaviour('/dev/video10', { eagain: 1_000_000 });
    await sink.write(frame(1));
    assert.equal(sink.stats().framesDropped, 1);
    kernel().setWriteBehaviour('/dev/video10', { eagain: 0 });
    await sink.write(frame(2));
    assert.equal(sink.stats().framesWritten, 1);
  });

  it('refuses frames of another size and writes before open', async () => {
    kernel().addLoopback({ path: '/dev/video10', card: 'FaceMat Camera' });
    sink = createV4l2Sink(undefined, {}, recordingLogger(log), testAddon);
    await assert.rejects(sink.write(frame(1)), /is not open/);
    await sink.open(FORMAT);
    await assert.rejects(sink.write(frame(1, 32, 24)), /opened for 64x48, got a 32x24 frame/);
  });
});
