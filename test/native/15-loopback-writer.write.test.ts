import assert from 'node:assert/strict';
import { rgbaToI420, rgbaToYuyv } from '../../src/native/index.js';
import { frameBytes } from '../../src/pipeline/frame.js';
import { kernel, useLoopbackWriter } from './test-addon.js';
import { randomRgba } from './yuv-reference.js';

const PATH = '/dev/video10';
const W = 64;
const H = 48;

describe('LoopbackWriter.write (against the v4l2loopback double)', () => {
  const output = useLoopbackWriter();

  beforeEach(() => {
    kernel().addLoopback({ path: PATH, card: 'FaceMat Camera' });
  });

  it('writes each frame whole, converted to YUYV', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    for (let seed = 1; seed <= 3; seed++) {
      const rgba = randomRgba(W, H, seed);
      await output.writer.write(rgba);
      const expected = new Uint8Array(W * H * 2);
      rgbaToYuyv(rgba, W, H, expected);
      assert.deepEqual(new Uint8Array(kernel().lastFrame(PATH)!), expected);
    }
    assert.equal(kernel().state(PATH).framesWritten, 3);
    assert.equal(output.writer.stats().frames, 3);
  });

  it('reads the frame before write() returns, so the caller may reuse its buffer at once', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    // A slow device keeps the frame in flight while the caller overwrites its buffer, as the
    // scheduler's sink mailboxes do with theirs.
    kernel().setWriteBehaviour(PATH, { eagain: 2 });
    const rgba = randomRgba(W, H, 11);
    const expected = new Uint8Array(W * H * 2);
    rgbaToYuyv(rgba, W, H, expected);
    const written = output.writer.write(rgba);
    rgba.fill(0);
    await written;
    assert.deepEqual(new Uint8Array(kernel().lastFrame(PATH)!), expected);
  });

  it('writes exactly one image per frame when the driver rounds its size up to a page (v4l2loopback 0.12)', async () => {
    // 640x360 YUYV is 460800 bytes; the driver answers S_FMT with 462848. Writing that many made
    // every frame a wrong-sized buffer that ffmpeg and GStreamer dropped.
    const info = output.writer.open(PATH, { width: 640, height: 360, fps: 30 });
    assert.equal(info.sizeImage, 640 * 360 * 2);
    for (let seed = 1; seed <= 3; seed++) {
      const rgba = randomRgba(640, 360, seed);
      await output.writer.write(rgba);
      const expected = new Uint8Array(640 * 360 * 2);
      rgbaToYuyv(rgba, 640, 360, expected);
      assert.deepEqual(new Uint8Array(kernel().lastFrame(PATH)!), expected, `frame ${seed} is whole and aligned`);
    }
    assert.equal(kernel().state(PATH).framesWritten, 3);
  });

  it('writes I420 with the BT.709 matrix when opened so', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30, format: 'i420', matrix: 'bt709' });
    const rgba = randomRgba(W, H, 9);
    await output.writer.write(rgba);
    const expected = new Uint8Array(frameBytes('i420', W, H));
    rgbaToI420(rgba, W, H, expected, 'bt709');
    assert.deepEqual(new Uint8Array(kernel().lastFrame(PATH)!), expected);
  });

  it('finishes a frame the device takes in pieces', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    kernel().setWriteBehaviour(PATH, { maxChunk: 1000 });
    const rgba = randomRgba(W, H, 4);
    await output.writer.write(rgba);
    const expected = new Uint8Array(W * H * 2);
    rgbaToYuyv(rgba, W, H, expected);
    assert.deepEqual(new Uint8Array(kernel().lastFrame(PATH)!), expected);
    assert.equal(kernel().state(PATH).framesWritten, 1);
    assert.equal(output.writer.stats().partialWrites, Math.ceil((W * H * 2) / 1000) - 1);
  });

  it('waits out EAGAIN and still delivers the frame', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    kernel().setWriteBehaviour(PATH, { eagain: 3 });
    await output.writer.write(randomRgba(W, H, 5));
    assert.equal(kernel().state(PATH).framesWritten, 1);
    assert.equal(output.writer.stats().wouldBlock, 3);
  });

  it('drops a frame the device never takes, and carries on with the next', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    kernel().setWriteBehaviour(PATH, { eagain: 1_000_000 });
    await assert.rejects(output.writer.write(randomRgba(W, H, 6)), { code: 'EAGAIN', message: /did not take the frame within 1000 ms; frame dropped/ });
    kernel().setWriteBehaviour(PATH, { eagain: 0 });
    await output.writer.write(randomRgba(W, H, 7));
    assert.equal(kernel().state(PATH).framesWritten, 1);
  });

  it('allows one write at a time and checks the frame size', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    const first = output.writer.write(randomRgba(W, H, 1));
    await assert.rejects(output.writer.write(randomRgba(W, H, 2)), { code: 'EBUSY' });
    assert.throws(() => output.writer.write(new Uint8Array(10)), { name: 'RangeError', message: /rgba holds 10 bytes, one RGBA frame needs 12288/ });
    await first;
  });

  it('reports a vanished device and stays failed until reopened', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    kernel().unplug(PATH);
    await assert.rejects(output.writer.write(randomRgba(W, H, 1)), { code: 'ENODEV' });
    await assert.rejects(output.writer.write(randomRgba(W, H, 1)), { code: 'ENODEV' });
  });

  it('stops polling a vanished device instead of spinning on its POLLERR', async () => {
    output.writer.open(PATH, { width: W, height: H, fps: 30 });
    kernel().unplug(PATH);
    await assert.rejects(output.writer.write(randomRgba(W, H, 1)), { code: 'ENODEV' });
    const before = kernel().polls();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Its polls now wait on the wake-up fd alone (1 s timeout); a spinning thread makes thousands.
    assert.ok(kernel().polls() - before <= 5, `${kernel().polls() - before} polls in 50 ms`);
  });

  it('refuses writes when not open', async () => {
    await assert.rejects(output.writer.write(randomRgba(W, H, 1)), { code: 'ECLOSED' });
  });
});
