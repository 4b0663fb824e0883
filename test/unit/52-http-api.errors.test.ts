import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startControlServer } from '../../src/http/control-server.js';
import { MAX_BODY_BYTES } from '../../src/http/request-body.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { MemoryVirtualCamera, PASSWORD, startFixture, type ControlFixture } from './5x-control-fixture.js';
import { waitForEvent, waitForPromise } from '../helpers/wait.js';
import { AuthFailureLimiter } from '../../src/util/auth-failure-limiter.js';
import { setLogSink } from '../../src/log.js';

/** Sends raw bytes and returns the whole raw answer (for requests fetch() will not make). */
function rawRequest(port: number, text: string | Buffer): Promise<string> {
  const answered = new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.setEncoding('utf8').on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  return waitForPromise(answered, 'the server to answer a raw request and close the connection');
}

function assertError(r: { status: number; json: any }, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 10, 'the message explains');
}

describe('HttpApi errors', function () {
  let f: ControlFixture;
  beforeEach(async function () {
    f = await startFixture({ camera: new MemoryVirtualCamera() });
  });
  afterEach(async function () {
    await f.close();
  });

  it('401 without a password, with a wrong one, and for the preview and events streams', async function () {
    for (const [path, headers] of [
      ['/api/state', {}],
      ['/api/state', { Authorization: 'Bearer wrong' }],
      ['/api/state?key=wrong', {}],
      ['/preview.mjpeg', {}],
      ['/preview.jpg', {}],
      ['/api/events', {}],
    ] as const) {
      const r = await f.call('GET', path, { auth: false, headers });
      assertError(r, 401, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="facemat-cam"');
    }
    const r = await f.call('POST', '/api/filters/toon/toggle', { auth: false });
    assertError(r, 401, 'unauthorized');
    assert.equal(f.controller.chain().find((x) => x.name === 'toon')!.enabled, false, 'nothing changed');
  });

  it('404 for unknown filters, presets, actions and routes', async function () {
    assertError(await f.call('POST', '/api/filters/glitter/toggle'), 404, 'unknown-filter');
    assertError(await f.call('GET', '/api/filters/glitter'), 404, 'unknown-filter');
    assertError(await f.call('PUT', '/api/filters/glitter/settings', { body: '{}' }), 404, 'unknown-filter');
    assertError(await f.call('POST', '/api/presets/Disco'), 404, 'unknown-preset');
    assertError(await f.call('POST', '/api/actions/toggle:glitter'), 404, 'unknown-action');
    assertError(await f.call('GET', '/api/nothing'), 404, 'not-found');
    assertError(await f.call('POST', '/api/filters/toon/explode'), 404, 'not-found');
    assertError(await f.call('GET', '/no-such-page.html'), 404, 'not-found');
  });

  it('400 for bad JSON, invalid settings and bad values', async function () {
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: '{"strength": 0.5' }), 400, 'bad-json');
    assertError(await f.call('POST', '/api/filters/toon/toggle', { body: 'not json' }), 400, 'bad-json');
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: '[1,2]' }), 400, 'invalid-settings');
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: '{"strength": 7}' }), 400, 'invalid-settings');
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: '{"strength": "high"}' }), 400, 'invalid-settings');
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: '{"glow": 1}' }), 400, 'invalid-settings');
    assertError(await f.call('POST', '/api/filters/toon/move', { body: '{"index": 99}' }), 400, 'invalid-value');
    assertError(await f.call('POST', '/api/filters/toon/move', { body: '{}' }), 400, 'invalid-value');
    assertError(await f.call('GET', '/api/filters/%E0%A4%A'), 400, 'bad-request');
    assert.equal(f.controller.chain().find((x) => x.name === 'beautify')!.settings.strength, 0.6, 'refused changes change nothing');
  });

  it('405 with an Allow header for the wrong method', async function () {
    let r = await f.call('GET', '/api/filters/toon/toggle');
    assertError(r, 405, 'method-not-allowed');
    assert.equal(r.headers.get('allow'), 'POST');
    r = await f.call('POST', '/api/state');
    assertError(r, 405, 'method-not-allowed');
    assert.equal(r.headers.get('allow'), 'GET');
    r = await f.call('DELETE', '/api/filters/beautify/settings');
    assert.equal(r.headers.get('allow'), 'GET, PUT');
    r = await f.call('POST', '/');
    assertError(r, 405, 'method-not-allowed');
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  });

  it('413 for an oversize body, declared or streamed, and the server keeps serving', async function () {
    const big = JSON.stringify({ strength: 0.5, padding: 'x'.repeat(MAX_BODY_BYTES) });
    assertError(await f.call('PUT', '/api/filters/beautify/settings', { body: big }), 413, 'payload-too-large');
    // Chunked, so no Content-Length warns the server: the limit must hold while reading.
    const chunk = 'x'.repeat(8192);
    let body = '';
    for (let i = 0; i < 10; i++) body += `${(chunk.length).toString(16)}\r\n${chunk}\r\n`;
    body += '0\r\n\r\n';
    const raw = await rawRequest(
      f.server.address.port,
      `PUT /api/filters/beautify/settings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${PASSWORD}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.match(raw, /payload-too-large/);
    assert.equal((await f.call('GET', '/api/state')).status, 200);
  });

  it('409 for virtual camera state conflicts, 503 when there is none', async function () {
    await f.call('POST', '/api/virtualcam/start');
    assertError(await f.call('POST', '/api/virtualcam/start'), 409, 'already-active');
    await f.call('POST', '/api/virtualcam/stop');
    assertError(await f.call('POST', '/api/virtualcam/stop'), 409, 'not-active');

    const bare = new PipelineController({ chain: [], preset: 'Natural' });
    const server = await startControlServer({ controller: bare, host: '127.0.0.1', port: 0, password: PASSWORD });
    try {
      const res = await fetch(`${server.address.url}api/virtualcam/start`, { method: 'POST', headers: { Authorization: `Bearer ${PASSWORD}` } });
      assert.equal(res.status, 503);
      const json = (await res.json()) as any;
      assert.equal(json.error.code, 'unavailable');
      assert.match(json.error.message, /virtual camera unavailable/);
    } finally {
      await server.close();
    }
  });

  it('answers a malformed request line with 400 and keeps serving', async function () {
    const raw = await rawRequest(f.server.address.port, 'GARBAGE\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.equal((await f.call('GET', '/api/state')).status, 200);
  });

  it('refuses to start without a password, or on a port in use', async function () {
    const controller = new PipelineController({ chain: [], preset: 'Natural' });
    await assert.rejects(startControlServer({ controller, host: '127.0.0.1', port: 0, password: '' }), /must not be empty/);
    await assert.rejects(
      startControlServer({ controller, host: '127.0.0.1', port: f.server.address.port, password: PASSWORD }),
      /already in use/,
    );
  });
});

describe('ControlServer WebSocket upgrades', function () {
  it('without an upgrade handler, answers upgrades with 404', async function () {
    const f = await startFixture();
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${f.server.address.port}/`);
      const status = await waitForPromise(
        new Promise<number>((resolve) => {
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
          ws.on('error', () => resolve(-1));
        }),
        'an HTTP answer to the upgrade',
      );
      assert.equal(status, 404);
    } finally {
      await f.close();
    }
  });

  it('hands upgrades to the handler on the same port, and closes it with the server', async function () {
    const wss = new WebSocketServer({ noServer: true });
    let closed = false;
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    const handler = {
      handleUpgrade: (req: any, socket: any, head: Buffer) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
      close: async () => {
        closed = true;
        await new Promise<void>((r) => wss.close(() => r()));
      },
    };
    const f = await startFixture({ upgradeHandler: handler });
    const ws = new WebSocket(`ws://127.0.0.1:${f.server.address.port}/`);
    await waitForEvent(ws, 'open', 'the upgraded WebSocket to open');
    const replied = waitForEvent(ws, 'message', 'the handler\'s echo');
    ws.send('hi');
    const reply = String(await replied);
    assert.equal(reply, 'echo hi');
    ws.close();
    await f.close();
    assert.equal(closed, true);
  });
});

describe('ControlServer password guessing (a fake clock)', function () {
  /** GET with a password offered (or not) from a loopback address of our choice. */
  function get(port: number, path: string, localAddress: string, key: string | null): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
    const answered = new Promise<{ status: number; headers: Record<string, unknown>; json: any }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, localAddress, headers: key === null ? {} : { Authorization: `Bearer ${key}` } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(body) }));
      });
      req.on('error', reject);
      req.end();
    });
    return waitForPromise(answered, `an answer to GET ${path} from ${localAddress}`);
  }

  it('counts wrong passwords from all addresses together, refuses with 429 while locked, and lets the right one in after Retry-After', async function () {
    let now = 2_000_000;
    const authFailures = new AuthFailureLimiter(5, () => now);
    const fixture = await startFixture({ authFailures });
    const { controller, server } = fixture;
    const port = server.address.port;
    const logs: string[] = [];
    const restore = setLogSink((line) => logs.push(line));
    try {
      for (let i = 0; i < 5; i++) {
        const r = await get(port, '/api/state', `127.0.0.${i + 2}`, `guess ${i}`);
        assertError(r, 401, 'unauthorized');
        assert.match(r.json.error.message, /^wrong password/);
      }
      // No password at all is no guess: 401, not counted, and not refused for the lock either.
      assertError(await get(port, '/api/state', '127.0.0.20', null), 401, 'unauthorized');
      assert.equal(logs.filter((l) => /wrong password from 127\.0\.0\.\d+/.test(l)).length, 5);
      assert.match(logs.at(-1)!, /wrong password from 127\.0\.0\.6 \(5 in the last minute from 5 address\(es\)\)/);
      // Locked for everybody, the right password too (checking it would tell a guesser it was right).
      for (const [address, key] of [['127.0.0.7', 'guess 5'], ['127.0.0.1', PASSWORD]]) {
        const r = await get(port, '/api/state', address, key);
        assertError(r, 429, 'too-many-auth-failures');
        assert.equal(r.headers['retry-after'], '60');
        assert.match(r.json.error.message, /from all addresses together\), retry in 60 s/);
      }
      assert.equal(authFailures.recent().failures, 5, 'refused attempts were not counted');
      now += 60_000;
      const ok = await get(port, '/api/state', '127.0.0.1', PASSWORD);
      assert.equal(ok.status, 200);
      assert.equal(ok.json.preset, controller.state().preset);
    } finally {
      setLogSink(restore);
      await fixture.close();
    }
  });
});
