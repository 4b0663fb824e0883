import assert from 'node:assert/strict';
import { get, request } from 'node:http';
import { createPreviewSink, type PreviewSink } from '../../src/pipeline/sink/preview-sink.js';
import type { OutputFrame } from '../../src/pipeline/frame.js';
import { jpegSize } from './5x-control-fixture.js';
import { waitForEvent, waitForPromise, waitUntil } from '../helpers/wait.js';

const FORMAT = { width: 320, height: 180, fps: 30 };

function frame(seq: number): OutputFrame {
  return { seq, captureMs: 0, width: 320, height: 180, rgba: new Uint8Array(320 * 180 * 4).fill(seq % 256) };
}

function fetchRaw(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const answered = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
  return waitForPromise(answered, `a whole answer to ${method} ${url}`);
}

/** GET `url` and resolve with the response once its headers came. */
function open(url: string): Promise<import('node:http').IncomingMessage> {
  return waitForPromise(new Promise((resolve) => get(url, resolve)), `the response headers of ${url}`);
}

describe('PreviewSink (preview:PORT)', function () {
  let sink: PreviewSink;
  beforeEach(async function () {
    sink = createPreviewSink(0);
    await sink.open(FORMAT);
  });
  afterEach(async function () {
    await sink.close();
  });

  it('serves a page that shows the MJPEG stream, on 127.0.0.1', async function () {
    assert.equal(sink.address!.host, '127.0.0.1');
    const page = await fetchRaw(sink.address!.url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<img src="\/preview\.mjpeg"/);
  });

  it('streams written frames while a client watches, and reports consumers', async function () {
    assert.equal(sink.hasConsumers(), false);
    await sink.write(frame(1)); // nobody watches: nothing to encode, nothing fails
    const received: Buffer[] = [];
    const res = await open(`${sink.address!.url}preview.mjpeg`);
    assert.equal(res.headers['content-type'], 'multipart/x-mixed-replace; boundary=facemat-frame');
    await waitUntil(() => sink.hasConsumers(), 'the sink to count the watching client', { everyMs: 1 });
    const gotFrame = new Promise<void>((resolve) =>
      res.on('data', (chunk: Buffer) => {
        received.push(chunk);
        const all = Buffer.concat(received);
        const start = all.indexOf(Buffer.from([0xff, 0xd8]));
        const end = all.indexOf(Buffer.from([0xff, 0xd9]));
        if (start >= 0 && end > start) resolve();
      }),
    );
    await sink.write(frame(2));
    await waitForPromise(gotFrame, 'a whole JPEG in the stream');
    const all = Buffer.concat(received);
    const jpeg = all.subarray(all.indexOf(Buffer.from([0xff, 0xd8])));
    assert.deepEqual(jpegSize(jpeg), { width: 320, height: 180 });
    res.destroy();
    await waitUntil(() => !sink.hasConsumers(), 'the consumer to go when the browser does');
  });

  it('serves a single JPEG at /preview.jpg', async function () {
    const pending = fetchRaw(`${sink.address!.url}preview.jpg`);
    await waitUntil(() => sink.hasConsumers(), 'the waiting /preview.jpg request to count as a consumer', { everyMs: 1 });
    await sink.write(frame(3));
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/jpeg');
    assert.deepEqual(jpegSize(Buffer.from(r.body, 'latin1')), { width: 320, height: 180 });
  });

  it('refuses foreign Host headers (DNS rebinding), other methods and unknown paths', async function () {
    assert.equal((await fetchRaw(sink.address!.url, { Host: 'evil.example:80' })).status, 421);
    assert.equal((await fetchRaw(sink.address!.url, { Host: `localhost:${sink.address!.port}` })).status, 200);
    const post = await fetchRaw(sink.address!.url, {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await fetchRaw(`${sink.address!.url}secret`)).status, 404);
  });

  it('says which port is taken', async function () {
    const other = createPreviewSink(sink.address!.port);
    await assert.rejects(other.open(FORMAT), /preview port \d+ is already in use/);
  });

  it('close() ends watching clients', async function () {
    const res = await open(`${sink.address!.url}preview.mjpeg`);
    const ended = waitForEvent(res, 'close', 'the watching client\'s response to close');
    res.resume();
    await sink.close();
    await ended;
    assert.equal(sink.hasConsumers(), false);
  });
});
