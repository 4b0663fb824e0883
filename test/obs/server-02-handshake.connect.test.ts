import assert from 'node:assert/strict';
import { OBSWebSocket as JsonOBS, OBSWebSocketError, EventSubscription } from 'obs-websocket-js/json';
import { OBSWebSocket as MsgpackOBS } from 'obs-websocket-js/msgpack';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { waitForEvent, waitUntil } from '../helpers/wait.js';
import { RawClient } from './helpers/raw-client.js';
import { AuthFailureLimiter } from '../../src/util/auth-failure-limiter.js';
import { Authenticator } from '../../src/obs/server/auth.js';

describe('ObsWebSocketServer handshake (with the real obs-websocket-js client)', function () {
  let fx: ServerFixture;
  afterEach(async function () {
    await fx?.close();
  });

  it('connects with the password over JSON and over MessagePack', async function () {
    fx = await startServer();
    for (const Client of [JsonOBS, MsgpackOBS]) {
      const obs = new Client();
      const hello = await obs.connect(fx.url, PASSWORD);
      assert.equal(hello.negotiatedRpcVersion, 1);
      assert.equal(hello.rpcVersion, 1);
      assert.ok(hello.obsWebSocketVersion.startsWith('5.'));
      assert.equal(typeof (hello as unknown as { obsStudioVersion: string }).obsStudioVersion, 'string');
      const version = await obs.call('GetVersion');
      assert.match(version.platformDescription, /facemat-cam/);
      assert.ok(version.availableRequests.includes('SetSourceFilterEnabled'));
      await obs.disconnect();
    }
  });

  it('selects the subprotocol the client asked for, and JSON when it asked none', async function () {
    fx = await startServer({ password: null });
    const msgpack = await RawClient.identified(fx.url, null, ['obswebsocket.msgpack']);
    assert.equal(msgpack.ws.protocol, 'obswebsocket.msgpack');
    assert.equal((await msgpack.request('GetStudioModeEnabled')).responseData.studioModeEnabled, false);
    const bare = await RawClient.identified(fx.url, null, []);
    assert.equal(bare.ws.protocol, '');
    assert.equal((await bare.request('GetStudioModeEnabled')).requestStatus.code, 100);
    await Promise.all([msgpack.close(), bare.close()]);
  });

  it('connects without authentication when no password is set (Hello has no challenge)', async function () {
    fx = await startServer({ password: null });
    const raw = await RawClient.connect(fx.url);
    assert.equal(raw.hello.authentication, undefined);
    await raw.close();
    const obs = new JsonOBS();
    await obs.connect(fx.url);
    assert.equal((await obs.call('GetCurrentProgramScene')).sceneName, 'Natural');
    await obs.disconnect();
  });

  it('closes with 4009 on a wrong or missing password', async function () {
    fx = await startServer();
    const wrong = new JsonOBS();
    await assert.rejects(wrong.connect(fx.url, 'not the password'), (err: unknown) => err instanceof OBSWebSocketError && err.code === 4009 && /Authentication failed/.test(err.message));
    const none = new MsgpackOBS();
    await assert.rejects(none.connect(fx.url), (err: unknown) => err instanceof OBSWebSocketError && err.code === 4009 && /missing an `authentication` string/.test(err.message));
    assert.ok(fx.logs.some((l) => /failed authentication from 127\.0\.0\.1/.test(l)));
  });

  it('limits guesses from all addresses together (127.0.0.2, .3, .4 ...), and lets the right password in once the minute has passed', async function () {
    // The limiter runs on a fake clock: the verdicts do not depend on how fast the machine is.
    let now = 5_000_000;
    fx = await startServer({ authFailures: new AuthFailureLimiter(3, () => now) });
    const keeper = await RawClient.identified(fx.url, PASSWORD, undefined, {}, '127.0.0.1');
    const guess = async (address: string, password: string) => {
      const c = await RawClient.connect(fx.url, undefined, address);
      const { salt, challenge } = c.hello.authentication;
      c.send({ op: 1, d: { rpcVersion: 1, authentication: Authenticator.answer(password, salt, challenge) } });
      return c.closed;
    };
    for (const [i, address] of ['127.0.0.2', '127.0.0.3', '127.0.0.4'].entries()) {
      const closed = await guess(address, `guess ${i}`);
      assert.equal(closed.code, 4009);
      assert.equal(closed.reason, 'Authentication failed.');
      now += 1000;
    }
    assert.ok(fx.logs.some((l) => /failed authentication from 127\.0\.0\.4 \(3 in the last minute from 3 address\(es\)\)/.test(l)), fx.logs.join('\n'));
    // A fourth address, and then the right password: refused unchecked, saying for how long and why.
    for (const [address, password] of [['127.0.0.5', 'guess 3'], ['127.0.0.6', PASSWORD], ['127.0.0.1', PASSWORD]]) {
      const closed = await guess(address, password);
      assert.equal(closed.code, 4009);
      assert.equal(closed.reason, 'Authentication failed: too many failed password attempts (from all addresses together), retry in 57 s.');
    }
    assert.equal(fx.logs.filter((l) => /failed authentication from/.test(l)).length, 3, 'refused attempts are not checked');
    // The client that identified before the guessing is served all along.
    assert.equal((await keeper.request('GetVersion')).requestStatus.code, 100);
    // The retry-after it was told: the right password connects then, from any address.
    now += 57_000;
    const back = await RawClient.identified(fx.url, PASSWORD, undefined, {}, '127.0.0.7');
    assert.equal((await back.request('GetVersion')).requestStatus.code, 100);
    await Promise.all([back.close(), keeper.close()]);
  });

  it('applies Identify and Reidentify event subscriptions', async function () {
    fx = await startServer();
    const obs = new JsonOBS();
    await obs.connect(fx.url, PASSWORD, { eventSubscriptions: EventSubscription.Scenes });
    const scenes: string[] = [];
    const filters: string[] = [];
    obs.on('CurrentProgramSceneChanged', (e) => scenes.push(e.sceneName));
    obs.on('SourceFilterEnableStateChanged', (e) => filters.push(e.filterName));
    await fx.controller.execute({ type: 'preset.select', name: 'Cartoon' }, 'hotkey');
    await obs.call('GetVersion'); // events are sent before the response of a later request
    assert.deepEqual(scenes, ['Cartoon']);
    assert.equal(filters.length, 0, 'Filters were not subscribed');

    const identified = await obs.reidentify({ eventSubscriptions: EventSubscription.Filters });
    assert.equal(identified.negotiatedRpcVersion, 1);
    await fx.controller.execute({ type: 'filter.toggle', name: 'sketch' }, 'hotkey');
    await fx.controller.execute({ type: 'preset.select', name: 'Off' }, 'hotkey');
    await obs.call('GetVersion');
    assert.deepEqual(scenes, ['Cartoon'], 'Scenes no longer subscribed');
    assert.ok(filters.includes('sketch'));
    await obs.disconnect();
  });

  it('refuses clients beyond maxClients with 1013 and serves the others', async function () {
    fx = await startServer({ maxClients: 2 });
    const a = new JsonOBS();
    const b = new MsgpackOBS();
    await a.connect(fx.url, PASSWORD);
    await b.connect(fx.url, PASSWORD);
    await assert.rejects(new JsonOBS().connect(fx.url, PASSWORD), (err: unknown) => (err as OBSWebSocketError).code === 1013);
    assert.equal(fx.server.clientCount, 2);
    assert.equal((await a.call('GetStudioModeEnabled')).studioModeEnabled, false);
    await b.disconnect();
    await waitUntil(() => fx.server.clientCount === 1, 'the server to count one client after a disconnect', { observe: () => `${fx.server.clientCount} clients` });
    const c = new JsonOBS();
    await c.connect(fx.url, PASSWORD);
    await Promise.all([a.disconnect(), c.disconnect()]);
  });

  it('says ExitStarted and closes sessions with 1001 when it stops', async function () {
    fx = await startServer();
    const obs = new MsgpackOBS();
    await obs.connect(fx.url, PASSWORD);
    let exit = false;
    obs.on('ExitStarted', () => (exit = true));
    const closed = waitForEvent<OBSWebSocketError>(obs, 'ConnectionClosed', 'the client to see the server close');
    await fx.server.close();
    const err = await closed;
    assert.equal(err.code, 1001);
    assert.equal(exit, true);
  });
});
