import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { OBSWebSocket } from 'obs-websocket-js/json';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { waitUntil } from '../helpers/wait.js';
import { RawClient } from './helpers/raw-client.js';
import { Authenticator } from '../../src/obs/server/auth.js';
import { AuthFailureLimiter } from '../../src/util/auth-failure-limiter.js';

const CAMERA = 'FaceMat Camera';

describe('ObsWebSocketServer under hostile input (raw ws clients)', function () {
  let fx: ServerFixture;
  let healthy: OBSWebSocket;
  let stateBefore: string;
  beforeEach(async function () {
    fx = await startServer({ maxMessageBytes: 64 * 1024, requestsPerSecond: 100, requestBurst: 50 });
    healthy = new OBSWebSocket();
    await healthy.connect(fx.url, PASSWORD);
    stateBefore = JSON.stringify(fx.controller.state());
  });
  afterEach(async function () {
    await healthy.disconnect();
    await fx.close();
  });

  /** The well-behaved client is still served, and nothing changed state. */
  async function stillServing(expectUnchanged = true) {
    assert.equal((await healthy.call('GetCurrentProgramScene')).sceneName, fx.controller.state().preset);
    if (expectUnchanged) assert.equal(JSON.stringify(fx.controller.state()), stateBefore);
  }

  async function closesWith(send: (c: RawClient) => void, code: number, reason?: RegExp, protocols?: string[], identify = false) {
    const client = identify ? await RawClient.identified(fx.url, PASSWORD, protocols) : await RawClient.connect(fx.url, protocols);
    send(client);
    const closed = await client.closed;
    assert.equal(closed.code, code, `expected ${code}, got ${closed.code} ${closed.reason}`);
    if (reason) assert.match(closed.reason, reason);
  }

  it('closes with 4002 on undecodable messages', async function () {
    await closesWith((c) => c.sendRaw('{"op": 1, "d": {', false), 4002, /Unable to decode Json/);
    await closesWith((c) => c.sendRaw(Buffer.from(encode({ op: 1, d: {} })), true), 4002, /binary message/);
    await closesWith((c) => c.sendRaw('{"op":1,"d":{}}', false), 4002, /text message/, ['obswebsocket.msgpack']);
    await closesWith((c) => c.sendRaw(Buffer.from([0xc1, 0xff, 0x00]), true), 4002, /Unable to decode MsgPack/, ['obswebsocket.msgpack']);
    await closesWith((c) => c.sendRaw(Buffer.from(encode(JSON.parse('{"__proto__":{"op":6}}'))), true), 4002, /__proto__/, ['obswebsocket.msgpack']);
    for (const payload of ['[1,2]', '"Identify"', 'null', '42']) {
      await closesWith((c) => c.sendRaw(payload, false), 4002, /non-object/);
    }
    await stillServing();
  });

  it('closes on missing or mistyped envelope fields with the real server\'s codes', async function () {
    await closesWith((c) => c.send({ 'request-type': 'GetVersion', 'message-id': '1' }), 4010, /pre-5\.0\.0/);
    await closesWith((c) => c.send({ d: {} }), 4006, /missing an `op`/);
    await closesWith((c) => c.send({ op: '1', d: {} }), 4006, /not a number/);
    await closesWith((c) => c.send({ op: 1 }), 4003, /missing data/);
    await closesWith((c) => c.send({ op: 1, d: [] }), 4004, /not an object/);
    await closesWith((c) => c.send({ op: 1, d: 'x' }), 4004);
    await stillServing();
  });

  it('closes with 4007 on anything but Identify before identifying, and 4008 on a second Identify', async function () {
    await closesWith((c) => c.send({ op: 6, d: { requestType: 'SetSourceFilterEnabled', requestId: '1', requestData: { sourceName: CAMERA, filterName: 'toon', filterEnabled: true } } }), 4007);
    await closesWith((c) => c.send({ op: 8, d: { requestId: '1', requests: [] } }), 4007);
    await closesWith((c) => c.send({ op: 3, d: {} }), 4007);
    await closesWith((c) => c.send({ op: 99, d: {} }), 4007);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: 1, authentication: 'x'.repeat(44) } }), 4008, /already Identified/, undefined, true);
    await stillServing();
  });

  it('checks Identify fields: authentication, rpcVersion, eventSubscriptions', async function () {
    const answer = (c: RawClient) => Authenticator.answer(PASSWORD, c.hello.authentication.salt, c.hello.authentication.challenge);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: 1, authentication: 1234 } }), 4009, /not a string/);
    await closesWith((c) => c.send({ op: 1, d: { authentication: answer(c) } }), 4003, /rpcVersion/);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: '1', authentication: answer(c) } }), 4004, /rpcVersion/);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: 1.5, authentication: answer(c) } }), 4004);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: 2, authentication: answer(c) } }), 4010, /not supported/);
    await closesWith((c) => c.send({ op: 1, d: { rpcVersion: 1, authentication: answer(c), eventSubscriptions: -1 } }), 4004, /eventSubscriptions/);
    await closesWith((c) => c.send({ op: 3, d: { eventSubscriptions: 'all' } }), 4004, /eventSubscriptions/, undefined, true);
    await stillServing();
  });

  it('closes on unknown op codes and malformed requests once identified', async function () {
    await closesWith((c) => c.send({ op: 4, d: {} }), 4006, /Unknown OpCode: 4/, undefined, true);
    await closesWith((c) => c.send({ op: 7, d: {} }), 4006, undefined, undefined, true);
    await closesWith((c) => c.send({ op: 6, d: { requestType: 'GetVersion' } }), 4003, /requestId/, undefined, true);
    await closesWith((c) => c.send({ op: 6, d: { requestId: '1' } }), 4003, /requestType/, undefined, true);
    await closesWith((c) => c.send({ op: 6, d: { requestId: '1', requestType: 7 } }), 4004, /requestType/, undefined, true);
    await stillServing();
  });

  it('answers wrong request data with status codes and keeps the session', async function () {
    const c = await RawClient.identified(fx.url, PASSWORD);
    const code = async (type: string, data?: unknown) => (await c.request(type, data)).requestStatus.code;
    assert.equal(await code('TriggerHotkeyByName', 'not an object'), 301);
    assert.equal(await code('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon', filterEnabled: 'true' }), 401);
    assert.equal(await code('SetSourceFilterEnabled', { sourceName: 5, filterName: 'toon', filterEnabled: true }), 401);
    assert.equal(await code('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: '', filterEnabled: true }), 403);
    assert.equal(await code('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: '__proto__', filterEnabled: true }), 600);
    assert.equal(await code('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'constructor', filterEnabled: true }), 600);
    assert.equal(await code('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: JSON.parse('{"__proto__": {"levels": 2}}') }), 400);
    assert.equal(await code('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { constructor: 1 } }), 400);
    assert.equal(await code('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { levels: 'many' } }), 400);
    assert.equal(await code('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'toon', filterIndex: 'first' }), 401);
    // JSON has no Infinity: it arrives as null, a missing field.
    assert.equal(await code('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'toon', filterIndex: Infinity }), 300);
    for (const type of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) assert.equal(await code(type), 204);
    assert.equal(await code('CallVendorRequest', { vendorName: 'facemat', requestType: 'constructor' }), 600);
    assert.equal(await code('CallVendorRequest', { vendorName: 'facemat', requestType: 'GetState', requestData: [] }), 401);
    assert.equal(await code('GetVersion', 12), 100);
    assert.equal(c.ws.readyState, c.ws.OPEN);
    await c.close();
    // MessagePack does carry NaN and Infinity: they are not numbers a request can use.
    const m = await RawClient.identified(fx.url, PASSWORD, ['obswebsocket.msgpack']);
    assert.equal((await m.request('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'toon', filterIndex: NaN })).requestStatus.code, 401);
    assert.equal((await m.request('Sleep', { sleepMillis: Infinity })).requestStatus.code, 206);
    await m.close();
    await stillServing();
  });

  it('checks only 5 of a flood of wrong passwords from 8 loopback addresses at once, and serves identified clients meanwhile', async function () {
    const now = 7_000_000; // a fake clock that stands still: the whole flood falls in one minute
    const guarded = await startServer({ maxClients: 64, authFailures: new AuthFailureLimiter(5, () => now) });
    const keeper = await RawClient.identified(guarded.url, PASSWORD);
    try {
      const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
      const guessers = await Promise.all(Array.from({ length: 40 }, (_, i) => RawClient.connect(guarded.url, undefined, addresses[i % 8])));
      for (const [i, c] of guessers.entries()) {
        const { salt, challenge } = c.hello.authentication;
        c.send({ op: 1, d: { rpcVersion: 1, authentication: Authenticator.answer(`guess ${i}`, salt, challenge) } });
      }
      const closed = await Promise.all(guessers.map((c) => c.closed));
      assert.ok(closed.every((c) => c.code === 4009));
      assert.equal(closed.filter((c) => c.reason === 'Authentication failed.').length, 5, 'five answers were checked');
      assert.equal(closed.filter((c) => /too many failed password attempts \(from all addresses together\)/.test(c.reason)).length, 35);
      // Served during the flood and after it; the right password waits for the window like a guess.
      assert.equal((await keeper.request('GetVersion')).requestStatus.code, 100);
      const late = await RawClient.connect(guarded.url);
      const { salt, challenge } = late.hello.authentication;
      late.send({ op: 1, d: { rpcVersion: 1, authentication: Authenticator.answer(PASSWORD, salt, challenge) } });
      assert.equal((await late.closed).code, 4009);
      await waitUntil(() => guarded.server.clientCount === 1, 'the guessers\' slots to be freed', { observe: () => `${guarded.server.clientCount} clients` });
    } finally {
      await keeper.close();
      await guarded.close();
    }
    await stillServing();
  });

  it('closes a connection that never identifies with 4007, freeing its client slot', async function () {
    const slow = await startServer({ identifyTimeoutMs: 50 });
    try {
      const idle = await RawClient.connect(slow.url);
      const closed = await idle.closed;
      assert.equal(closed.code, 4007);
      assert.match(closed.reason, /Identify/);
      await waitUntil(() => slow.server.clientCount === 0, 'the idle client\'s slot to be freed', { observe: () => `${slow.server.clientCount} clients` });
    } finally {
      await slow.close();
    }
  });

  it('closes with 1009 on a message larger than the limit', async function () {
    await closesWith((c) => c.send({ op: 6, d: { requestType: 'GetVersion', requestId: 'x'.repeat(100 * 1024) } }), 1009, undefined, undefined, true);
    await closesWith((c) => c.sendRaw(Buffer.alloc(200 * 1024, 0x90), true), 1009, undefined, ['obswebsocket.msgpack']);
    await stillServing();
  });

  it('stops reading from a client that does not read its answers, and answers all once it reads', async function () {
    // No rate limit here, so the unread answers (2 kB each) fill the kernel's socket buffers and
    // then the server's, which stops reading at 4 MiB.
    const big = await startServer({ requestsPerSecond: 1e9, requestBurst: 1e9 });
    try {
      const flooder = await RawClient.identified(big.url, PASSWORD);
      flooder.ws.pause();
      const N = 40_000;
      for (let i = 0; i < N; i++) flooder.send({ op: 6, d: { requestType: 'GetVersion', requestId: String(i) } });
      await waitUntil(() => big.logs.some((l) => /not reading its answers/.test(l)), 'the server to pause the client that does not read', { timeoutMs: 20_000, observe: () => big.logs.at(-1) });
      await stillServing();
      flooder.ws.resume();
      const answers = () => flooder.messages.filter((m) => m.op === 7).length;
      await waitUntil(() => answers() === N, `answers to all ${N} requests`, { timeoutMs: 20_000, everyMs: 50, observe: () => `${answers()} answers` });
      // Requests beyond the 256 waiting in the session's queue were refused at once with 207.
      const codes = flooder.messages.filter((m) => m.op === 7).map((m) => m.d.requestStatus.code);
      assert.ok(codes.every((c) => c === 100 || c === 207));
      assert.ok(codes.filter((c) => c === 100).length > 4 * 1024 * 1024 / 2048, 'more answers than fit in 4 MiB ran');
      await flooder.close();
    } finally {
      await big.close();
    }
  });

  it('answers a flood of thousands of requests with 100 or 207, serves others meanwhile, keeps state consistent', async function () {
    const flooder = await RawClient.identified(fx.url, PASSWORD);
    const N = 3000;
    for (let i = 0; i < N; i++) {
      flooder.send({
        op: 6,
        d: { requestType: 'SetSourceFilterEnabled', requestId: String(i), requestData: { sourceName: CAMERA, filterName: 'toon', filterEnabled: i % 2 === 0 } },
      });
    }
    // Served while the flood is being handled.
    await stillServing(false);
    const answers = () => flooder.messages.filter((m) => m.op === 7).length;
    await waitUntil(() => answers() === N, `answers to all ${N} requests`, { timeoutMs: 20_000, everyMs: 20, observe: () => `${answers()} answers` });

    const responses = flooder.messages.filter((m) => m.op === 7).map((m) => m.d);
    const ok = responses.filter((r) => r.requestStatus.code === 100).map((r) => Number(r.requestId));
    const limited = responses.filter((r) => r.requestStatus.code === 207);
    assert.equal(ok.length + limited.length, N, 'every request answered with 100 or 207');
    assert.ok(limited.length > 0, 'the rate limit answered some');
    assert.ok(ok.length >= 50, 'the burst went through');
    assert.match(limited[0].requestStatus.comment, /Too many requests/);
    assert.deepEqual(new Set(responses.map((r) => r.requestId)).size, N);

    // Refused requests changed nothing: the state is that of the last request that ran.
    const last = Math.max(...ok);
    const chain = fx.controller.chain();
    assert.equal(chain.find((f) => f.name === 'toon')!.enabled, last % 2 === 0);
    assert.equal(chain.length, 7);

    // A batch larger than the burst is refused whole, one result per request (one when halting).
    flooder.send({ op: 8, d: { requestId: 'big', requests: Array.from({ length: 200 }, () => ({ requestType: 'GetVersion' })) } });
    flooder.send({ op: 8, d: { requestId: 'big-halt', haltOnFailure: true, requests: Array.from({ length: 200 }, () => ({ requestType: 'GetVersion' })) } });
    const big = (await flooder.next((m) => m.op === 9 && m.d.requestId === 'big', 'the refused batch \'big\'')).d;
    const halted = (await flooder.next((m) => m.op === 9 && m.d.requestId === 'big-halt', 'the refused batch \'big-halt\'')).d;
    assert.equal(big.results.length, 200);
    assert.ok(big.results.every((r: any) => r.requestStatus.code === 207));
    assert.equal(halted.results.length, 1);

    // The flooding session itself is still open and served once it slows down.
    await waitUntil(
      async () => {
        const status = (await flooder.request('GetVersion')).requestStatus.code;
        assert.ok(status === 100 || status === 207, `status ${status}`);
        return status === 100;
      },
      'the flooding session to be served again (status 100)',
      { everyMs: 20 },
    );
    await flooder.close();
    await stillServing(false);
  });
});
