import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { NetworkStreamSink } from '../../src/pipeline/sink/network-stream-sink.js';
import { nowMs, type OutputFrame, type VideoFormat } from '../../src/pipeline/frame.js';
import { sleep, waitForEvent, waitForPromise, waitUntil } from '../helpers/wait.js';

const FORMAT: VideoFormat = { width: 64, height: 48, fps: 30 };
const FRAME_BYTES = FORMAT.width * FORMAT.height * 4;

function frame(seq: number, format = FORMAT): OutputFrame {
  const rgba = new Uint8Array(format.width * format.height * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = seq & 255;
    rgba[i + 1] = (i / 4) & 255;
    rgba[i + 2] = 100;
    rgba[i + 3] = 255;
  }
  return { seq, captureMs: nowMs(), width: format.width, height: format.height, rgba };
}

function tcpReader(url: string): Promise<{ socket: Socket; received: () => Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve({ socket, received: () => Buffer.concat(chunks) }));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', reject);
  });
}

describe('NetworkStreamSink.write (raw RGBA over TCP for OBS)', function () {
  this.timeout(60_000);
  let sink: NetworkStreamSink;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    sink = new NetworkStreamSink();
    await sink.open(FORMAT);
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await sink.close();
  });

  it('listens on 127.0.0.1 and describes the stream as ffmpeg input options', () => {
    assert.match(sink.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(sink.ffmpegInputOptions(), { video_size: '64x48', pixel_format: 'rgba', framerate: '30' });
    assert.equal(sink.hasConsumers(), false);
  });

  it('sends whole, unchanged frames to a reader and counts it as a consumer while connected', async () => {
    const reader = await tcpReader(sink.url);
    sockets.push(reader.socket);
    await waitUntil(() => sink.hasConsumers(), 'the sink to see its reader', { timeoutMs: 30_000 });
    const sent = frame(7);
    await sink.write(sent);
    await waitUntil(() => reader.received().length >= FRAME_BYTES, 'a whole frame', { timeoutMs: 30_000 });
    assert.deepEqual(new Uint8Array(reader.received().subarray(0, FRAME_BYTES)), sent.rgba);
    reader.socket.destroy();
    await waitUntil(() => !sink.hasConsumers(), 'the sink to notice the reader left', { timeoutMs: 30_000 });
  });

  it('never blocks on a reader that stops reading: frames are skipped, memory stays bounded', async () => {
    const reader = await tcpReader(sink.url);
    sockets.push(reader.socket);
    reader.socket.pause(); // a stalled OBS
    await waitUntil(() => sink.hasConsumers(), 'the sink to see its reader', { timeoutMs: 30_000 });
    const big: VideoFormat = { width: 640, height: 360, fps: 1000 };
    await sink.open(big); // a new size drops the reader: reconnect with the new format
    const again = await tcpReader(sink.url);
    sockets.push(again.socket);
    again.socket.pause();
    await waitUntil(() => sink.stats().readers === 1, 'the sink to see the new reader', { timeoutMs: 30_000 });
    const writes = 300;
    for (let i = 0; i < writes; i++) {
      await sink.write(frame(i, big));
      if (i % 10 === 0) await sleep(1); // let the socket report what it flushed
    }
    const { framesSent, framesSkipped } = sink.stats();
    // 640x360 RGBA is 900 KiB: the kernel's socket buffers hold a few frames, our queue one.
    assert.ok(framesSent < 30, `sent ${framesSent} frames to a reader that reads nothing`);
    assert.ok(framesSkipped > writes - 30, `skipped only ${framesSkipped}`);
  });

  it('never sends faster than the declared frame rate (OBS would queue the surplus as latency)', async () => {
    const reader = await tcpReader(sink.url);
    sockets.push(reader.socket);
    await waitUntil(() => sink.hasConsumers(), 'the sink to see its reader', { timeoutMs: 30_000 });
    const started = nowMs();
    for (let i = 0; i < 60; i++) {
      await sink.write(frame(i));
      await sleep(2);
    }
    const elapsedMs = nowMs() - started;
    const allowed = 2 + Math.ceil((elapsedMs * FORMAT.fps) / 1000);
    assert.ok(sink.stats().framesSent <= allowed, `sent ${sink.stats().framesSent} frames in ${elapsedMs.toFixed(0)} ms at ${FORMAT.fps} fps`);
    assert.ok(sink.stats().framesSkipped > 0);
  });

  it('learns the size from the first frame and restarts readers when the size changes', async () => {
    const fresh = new NetworkStreamSink();
    try {
      const formats: VideoFormat[] = [];
      fresh.on('format', (f) => formats.push(f));
      await fresh.open({ width: 0, height: 0, fps: 0 });
      assert.equal(fresh.format, null);
      await fresh.write(frame(0));
      assert.deepEqual(fresh.format, { width: 64, height: 48, fps: 30 });
      const reader = await tcpReader(fresh.url);
      sockets.push(reader.socket);
      await waitUntil(() => fresh.hasConsumers(), 'the reader', { timeoutMs: 30_000 });
      const closed = waitForEvent(reader.socket, 'close', 'the sink to close the reader on a format change');
      await fresh.write(frame(1, { width: 32, height: 16, fps: 30 }));
      await closed;
      assert.deepEqual(formats, [
        { width: 64, height: 48, fps: 30 },
        { width: 32, height: 16, fps: 30 },
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('plays in ffmpeg with the options it advertises (what OBS\'s ffmpeg_source uses)', async () => {
    const options = sink.ffmpegInputOptions();
    const ffmpeg = spawn(
      'ffmpeg',
      ['-v', 'error', '-f', 'rawvideo', ...Object.entries(options).flatMap(([k, v]) => [`-${k}`, v]), '-i', sink.url, '-frames:v', '2', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    ffmpeg.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    const exited = new Promise<number | null>((resolve) => ffmpeg.once('exit', resolve));
    try {
      await waitUntil(() => sink.hasConsumers(), 'ffmpeg to connect', { timeoutMs: 30_000 });
      let seq = 0;
      const feeder = setInterval(() => void sink.write(frame(seq++)), 1000 / FORMAT.fps);
      const code = await waitForPromise(exited, 'ffmpeg to exit after reading two frames');
      clearInterval(feeder);
      assert.equal(code, 0);
      const decoded = Buffer.concat(out);
      assert.equal(decoded.length, 2 * FRAME_BYTES);
      const first = new Uint8Array(decoded.subarray(0, FRAME_BYTES));
      const expected = frame(first[0]).rgba; // the first frame ffmpeg got, whichever it was
      assert.deepEqual(first, expected);
    } finally {
      if (ffmpeg.exitCode === null) {
        ffmpeg.kill('SIGKILL');
        await exited;
      }
    }
  });
});
