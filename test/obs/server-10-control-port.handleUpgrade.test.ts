import assert from 'node:assert/strict';
import { OBSWebSocket, OBSWebSocketError } from 'obs-websocket-js/msgpack';
import { ControlServer } from '../../src/http/control-server.js';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { waitForEvent } from '../helpers/wait.js';

/**
 * The wiring `facemat run` uses: the control server owns the port (HTTP API, web panel) and
 * hands WebSocket upgrades to the obs-websocket server through handleUpgrade().
 */
describe('ObsWebSocketServer#handleUpgrade on the shared control port', function () {
  let fx: ServerFixture;
  let control: ControlServer | null = null;
  afterEach(async function () {
    await control?.close();
    await fx?.close();
  });

  it('serves obs-websocket and the HTTP API on one port, with one password, and closes with it', async function () {
    fx = await startServer();
    control = await ControlServer.start({ controller: fx.controller, host: '127.0.0.1', port: 0, password: PASSWORD, upgradeHandler: fx.server });
    const { port } = control.address;

    const obs = new OBSWebSocket();
    await obs.connect(`ws://127.0.0.1:${port}`, PASSWORD);
    await obs.call('SetSourceFilterEnabled', { sourceName: 'FaceMat Camera', filterName: 'sketch', filterEnabled: true });

    const res = await fetch(`http://127.0.0.1:${port}/api/state`, { headers: { authorization: `Bearer ${PASSWORD}` } });
    assert.equal(res.status, 200);
    const state = (await res.json()) as { filters: Array<{ name: string; enabled: boolean }> };
    assert.equal(state.filters.find((f) => f.name === 'sketch')!.enabled, true, 'the HTTP API sees the obs-websocket change');

    await assert.rejects(new OBSWebSocket().connect(`ws://127.0.0.1:${port}`, 'wrong'), (e: unknown) => (e as OBSWebSocketError).code === 4009);

    const closed = waitForEvent<OBSWebSocketError>(obs, 'ConnectionClosed', 'the client to see the control server close');
    await control.close();
    control = null;
    assert.equal((await closed).code, 1001);
  });
});
