import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { loadJpegEncoder, type JpegEncoder } from '../../src/pipeline/sink/jpeg-encoder.js';
import { MjpegStream } from '../../src/pipeline/sink/mjpeg-stream.js';
import type { OutputFrame } from '../../src/pipeline/frame.js';
import { jpegSize } from './5x-control-fixture.js';
import { waitForEvent, waitForPromise, waitUntil } from '../helpers/wait.js';

const jpegEncoder: JpegEncoder = loadJpegEncoder();

function frame(seq: number, width = 64, height = 36, value = 128): OutputFrame {
  return { seq, captureMs: 0, width, height, rgba: new Uint8Array(width * height * 4).fill(value) };
}

/** Splits a multipart/x-mixed-replace body into parts as they arrive. */
class MultipartReader {
  readonly parts: Array<{ seq: number; body: Buffer }> = [];
  private buffer = Buffer.alloc(0);

  constructor(res: IncomingMessage) {
    res.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
  }

  async waitFor(count: number): Promise<void> {
    await waitUntil(() => this.parts.length >= count, `${count} parts of the stream`, { everyMs: 1, observe: () => `${this.parts.length} parts` });
  }

  private parse(): void {
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = this.buffer.subarray(0, headerEnd).toString();
      assert.match(head, /--facemat-frame\r\nContent-Type: image\/jpeg/);
      const length = Number(/Content-Length: (\d+)/.exec(head)![1]);
      const seq = Number(/X-Frame-Seq: (\d+)/.exec(head)![1]);
      if (this.buffer.length < headerEnd + 4 + length + 2) return;
      this.parts.push({ seq, body: this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length) });
      this.buffer = this.buffer.subarray(headerEnd + 4 + length + 2);
    }
  }
}

describe('MjpegStream#offer', function () {
  let server: Server;
  let stream: MjpegStream;
  let port: number;
  const sockets: Socket[] = [];

  async function serve(s: MjpegStream) {
    stream = s;
    server = createServer((req, res) => s.addClient(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  }

  function watch(): Promise<{ res: IncomingMessage; reader: MultipartReader }> {
    const answered = new Promise<{ res: IncomingMessage; reader: MultipartReader }>((resolve) =>
      get(`http://127.0.0.1:${port}/`, (res) => {
        sockets.push(res.socket);
        resolve({ res, reader: new MultipartReader(res) });
      }),
    );
    return waitForPromise(answered, 'the stream\'s response headers');
  }

  afterEach(async function () {
    stream.close();
    for (const s of sockets.splice(0)) s.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('encodes nothing while nobody watches', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: Infinity }));
    assert.equal(stream.hasConsumers(), false);
    stream.offer(frame(1));
    assert.equal(stream.stats().encoded, 0);
  });

  it('sends each frame as a JPEG part to every client, downscaled to at most 640 px wide', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: Infinity }));
    const a = await watch();
    const b = await watch();
    assert.equal(a.res.headers['content-type'], 'multipart/x-mixed-replace; boundary=facemat-frame');
    assert.equal(stream.hasConsumers(), true);
    stream.offer(frame(7, 1280, 720, 200));
    await a.reader.waitFor(1);
    await b.reader.waitFor(1);
    assert.equal(a.reader.parts[0].seq, 7);
    assert.deepEqual(jpegSize(a.reader.parts[0].body), { width: 640, height: 360 });
    assert.deepEqual(a.reader.parts[0].body, b.reader.parts[0].body, 'encoded once, sent to both');
    stream.offer(frame(8, 1920, 1080));
    await a.reader.waitFor(2);
    assert.deepEqual(jpegSize(a.reader.parts[1].body), { width: 640, height: 360 });
    stream.offer(frame(9, 320, 240));
    await a.reader.waitFor(3);
    assert.deepEqual(jpegSize(a.reader.parts[2].body), { width: 320, height: 240 }, 'small frames keep their size');
  });

  it('a new client gets the latest frame at once', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: Infinity }));
    await watch();
    stream.offer(frame(3));
    const late = await watch();
    await late.reader.waitFor(1);
    assert.equal(late.reader.parts[0].seq, 3);
  });

  it('encodes at most maxFps frames a second', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: 1 }));
    await watch();
    for (let i = 0; i < 10; i++) stream.offer(frame(i));
    assert.equal(stream.stats().encoded, 1);
    assert.equal(stream.stats().skippedRate, 9);
  });

  it('a client that stops reading skips frames while the others get every one', async function () {
    // A stand-in encoder with 1 MiB "JPEGs" fills the slow client's socket buffers quickly.
    const big: JpegEncoder = { encode: () => Buffer.alloc(1 << 20, 0x55), detail: 'test: 1 MiB parts' };
    await serve(new MjpegStream({ encoder: big, maxFps: Infinity }));
    const slow = connect(port, '127.0.0.1');
    sockets.push(slow);
    await waitForEvent(slow, 'connect', 'the slow client to connect');
    slow.pause();
    slow.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitUntil(() => stream.stats().clients >= 1, 'the stream to count the slow client', { everyMs: 1 });
    const fast = await watch();
    const frames = 40;
    for (let i = 0; i < frames; i++) {
      stream.offer(frame(i));
      await fast.reader.waitFor(i + 1);
    }
    assert.deepEqual(fast.reader.parts.map((p) => p.seq), [...Array(frames).keys()], 'the reading client missed nothing');
    const stats = stream.stats();
    assert.equal(stats.encoded, frames);
    assert.ok(stats.skippedSlowClient > 0, 'the stalled client was skipped instead of buffered');
  });

  it('snapshot() waits for the next frame, or gives null when none comes', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: Infinity }));
    assert.equal(await stream.snapshot(50), null);
    const pending = stream.snapshot(5000);
    assert.equal(stream.hasConsumers(), true, 'a waiting snapshot counts as a consumer');
    stream.offer(frame(1, 32, 16));
    const jpeg = await pending;
    assert.ok(jpeg);
    assert.deepEqual(jpegSize(jpeg), { width: 32, height: 16 });
    assert.equal(stream.hasConsumers(), false);
  });

  it('close() ends the streams and later clients get 503', async function () {
    await serve(new MjpegStream({ encoder: jpegEncoder, maxFps: Infinity }));
    const a = await watch();
    const ended = waitForEvent(a.res, 'end', 'the stream to end on close()');
    stream.close();
    await ended;
    const status = await waitForPromise(new Promise<number>((r) => get(`http://127.0.0.1:${port}/`, (res) => r(res.statusCode!))), 'an answer after close()');
    assert.equal(status, 503);
  });
});
