import assert from 'node:assert/strict';
import { OBSWebSocket as MsgpackOBS, RequestBatchExecutionType } from 'obs-websocket-js/msgpack';
import { OBSWebSocket as JsonOBS, OBSWebSocketError } from 'obs-websocket-js/json';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { RawClient } from './helpers/raw-client.js';

const CAMERA = 'FaceMat Camera';
const enable = (filterName: string, filterEnabled = true) => ({
  requestType: 'SetSourceFilterEnabled' as const,
  requestData: { sourceName: CAMERA, filterName, filterEnabled },
});

describe('ObsWebSocketServer request batches', function () {
  let fx: ServerFixture;
  let obs: MsgpackOBS;
  beforeEach(async function () {
    fx = await startServer();
    obs = new MsgpackOBS();
    await obs.connect(fx.url, PASSWORD);
  });
  afterEach(async function () {
    await obs.disconnect();
    await fx.close();
  });

  const enabled = (name: string) => fx.controller.chain().find((f) => f.name === name)!.enabled;
  const codes = (results: Array<{ requestStatus: { code: number } }>) => results.map((r) => r.requestStatus.code);

  it('runs SerialRealtime batches in order', async function () {
    const results = await obs.callBatch([
      { ...enable('toon'), requestId: 'a' },
      { requestType: 'GetSourceFilter', requestData: { sourceName: CAMERA, filterName: 'toon' }, requestId: 'b' },
    ]);
    assert.deepEqual(results.map((r) => r.requestId), ['a', 'b']);
    assert.deepEqual(codes(results), [100, 100]);
    assert.equal((results[1].responseData as { filterEnabled: boolean }).filterEnabled, true);
  });

  it('stops at the first failure with haltOnFailure, goes on without it', async function () {
    const batch = [enable('toon'), enable('sepia'), enable('sketch')];
    const halted = await obs.callBatch(batch, { haltOnFailure: true });
    assert.deepEqual(codes(halted), [100, 600]);
    assert.equal(enabled('toon'), true);
    assert.equal(enabled('sketch'), false, 'the request after the failure did not run');

    const all = await obs.callBatch(batch, { haltOnFailure: false });
    assert.deepEqual(codes(all), [100, 600, 100]);
    assert.equal(enabled('sketch'), true);
  });

  it('runs Parallel batches, results in request order', async function () {
    const names = ['toon', 'sketch', 'anonymize', 'facepaint', 'matte'];
    const results = await obs.callBatch(
      names.map((n) => ({ ...enable(n), requestId: n })),
      { executionType: RequestBatchExecutionType.Parallel },
    );
    assert.deepEqual(results.map((r) => r.requestId), names);
    assert.deepEqual(codes(results), [100, 100, 100, 100, 100]);
    assert.ok(names.every(enabled));
  });

  it('runs SerialFrame batches, with Sleep counted in frames', async function () {
    const results = await obs.callBatch(
      [enable('toon'), { requestType: 'Sleep', requestData: { sleepFrames: 2 } }, enable('toon', false), { requestType: 'Sleep', requestData: { sleepMillis: 5 } }],
      { executionType: RequestBatchExecutionType.SerialFrame },
    );
    assert.deepEqual(codes(results), [100, 100, 100, 300]);
    assert.equal(enabled('toon'), false);
  });

  it('answers Sleep with 206 outside the batch modes that support it', async function () {
    await assert.rejects(obs.call('Sleep', { sleepMillis: 1 }), (e: unknown) => (e as OBSWebSocketError).code === 206);
    const parallel = await obs.callBatch([{ requestType: 'Sleep', requestData: { sleepMillis: 1 } }], { executionType: RequestBatchExecutionType.Parallel });
    assert.deepEqual(codes(parallel), [206]);
    const realtime = await obs.callBatch([
      { requestType: 'Sleep', requestData: { sleepMillis: 5 } },
      { requestType: 'Sleep', requestData: { sleepMillis: 60_000 } },
    ]);
    assert.deepEqual(codes(realtime), [100, 402]);
  });

  it('passes batch variables from one request to the next', async function () {
    const raw = await RawClient.identified(fx.url, PASSWORD);
    raw.send({
      op: 8,
      d: {
        requestId: 'vars',
        variables: {},
        requests: [
          { requestType: 'GetCurrentProgramScene', outputVariables: { scene: 'sceneName' } },
          { requestType: 'GetSceneItemList', inputVariables: { sceneName: 'scene' } },
          { requestType: 42 },
          'not even an object',
        ],
      },
    });
    const { d } = await raw.next((m) => m.op === 9 && m.d.requestId === 'vars', 'the answer to batch \'vars\'');
    assert.deepEqual(codes(d.results), [100, 100, 203, 203]);
    assert.equal(d.results[1].responseData.sceneItems[0].sourceName, CAMERA);
    await raw.close();
  });

  it('closes on malformed batch fields with the real server\'s codes', async function () {
    const cases: Array<[object, number]> = [
      [{ requestId: 'x', executionType: -1, requests: [] }, 4004],
      [{ requestId: 'x', executionType: 7, requests: [] }, 4005],
      [{ requestId: 'x', executionType: 'parallel', requests: [] }, 4004],
      [{ requestId: 'x', executionType: 2, variables: { a: 1 }, requests: [] }, 4012],
      [{ requestId: 'x', variables: [], requests: [] }, 4004],
      [{ requestId: 'x', haltOnFailure: 'yes', requests: [] }, 4004],
      [{ requestId: 'x' }, 4003],
      [{ requestId: 'x', requests: {} }, 4004],
      [{ requests: [] }, 4003],
    ];
    for (const [d, code] of cases) {
      const raw = await RawClient.identified(fx.url, PASSWORD);
      raw.send({ op: 8, d });
      assert.equal((await raw.closed).code, code, JSON.stringify(d));
    }
    // The obs-websocket-js session was untouched throughout.
    assert.equal((await obs.call('GetStudioModeEnabled')).studioModeEnabled, false);
  });

  it('accepts the same batch over JSON', async function () {
    const json = new JsonOBS();
    await json.connect(fx.url, PASSWORD);
    const results = await json.callBatch([enable('recolor', false), { requestType: 'GetVirtualCamStatus' }], {
      executionType: RequestBatchExecutionType.SerialRealtime,
      haltOnFailure: true,
    });
    assert.deepEqual(codes(results), [100, 100]);
    assert.equal(enabled('recolor'), false);
    await json.disconnect();
  });
});
