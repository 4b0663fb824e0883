import assert from 'node:assert/strict';
// Companion imports the package root, which is the MessagePack build under Node.
import OBSWebSocket, { EventSubscription } from 'obs-websocket-js';
import { FILTER_NAMES } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';

type Status = { requestType: string; code: number; comment?: string };

/**
 * Replays what Bitfocus Companion's obs-studio module sends when it connects (its api.ts:
 * connectOBS -> obsInfo, getStats, getRecordStatus, getStreamStatus, buildProfileList,
 * buildSceneCollectionList, buildSceneTransitionList, buildSpecialInputs, buildSceneList and
 * fetchSourcesData), with its subscriptions, and records every status.
 */
async function companionConnect(url: string, statuses: Status[]) {
  const obs = new OBSWebSocket();
  const { obsWebSocketVersion } = await obs.connect(url, PASSWORD, {
    eventSubscriptions:
      EventSubscription.All |
      EventSubscription.InputActiveStateChanged |
      EventSubscription.InputShowStateChanged |
      EventSubscription.InputVolumeMeters |
      EventSubscription.SceneItemTransformChanged,
    rpcVersion: 1,
  });
  assert.ok(obsWebSocketVersion, 'Companion only goes on when obsWebSocketVersion is set');

  const call = async (requestType: string, requestData?: object): Promise<any> => {
    try {
      const data = await obs.call(requestType as never, requestData as never);
      statuses.push({ requestType, code: 100 });
      return data;
    } catch (err) {
      const e = err as { code: number; message: string };
      statuses.push({ requestType, code: e.code, comment: e.message });
      return undefined;
    }
  };
  const batch = async (requests: Array<{ requestType: string; requestId: string; requestData?: object }>): Promise<any[]> => {
    const results = (await obs.callBatch(requests as never)) as any[];
    for (const r of results) statuses.push({ requestType: r.requestType, code: r.requestStatus.code, comment: r.requestStatus.comment });
    return results;
  };

  // obsInfo()
  const version = await call('GetVersion');
  assert.ok(Array.isArray(version.supportedImageFormats));
  await call('GetStudioModeEnabled');
  const kinds: string[] = [];
  await Promise.all([
    call('GetHotkeyList'),
    call('GetOutputList').then((d) => Promise.all(d.outputs.map((o: any) => call('GetOutputStatus', { outputName: o.outputName })))),
    call('GetMonitorList'),
    call('GetVideoSettings'),
    call('GetReplayBufferStatus'),
    call('GetInputKindList').then((d) =>
      Promise.all(d.inputKinds.map((inputKind: string) => (kinds.push(inputKind), call('GetInputDefaultSettings', { inputKind })))),
    ),
  ]);
  await call('GetStats');
  await batch([
    { requestType: 'GetRecordStatus', requestId: 'status' },
    { requestType: 'GetRecordDirectory', requestId: 'directory' },
  ]);
  await batch([
    { requestType: 'GetStreamStatus', requestId: 'status' },
    { requestType: 'GetStreamServiceSettings', requestId: 'settings' },
  ]);
  await call('GetProfileList');
  await call('GetSceneCollectionList');
  await call('GetSceneTransitionList');
  const transition = await call('GetCurrentSceneTransition');
  await call('GetSpecialInputs');
  const inputs = await call('GetInputList');
  const sceneList = await call('GetSceneList');
  const itemBatches = await batch(
    sceneList.scenes.map((s: any) => ({ requestType: 'GetSceneItemList', requestData: { sceneUuid: s.sceneUuid }, requestId: s.sceneUuid })),
  );
  const sources = new Map<string, any>();
  for (const r of itemBatches) for (const item of r.responseData.sceneItems) sources.set(item.sourceUuid, item);
  const perSource = [...sources.values()].flatMap((item) => {
    const uuid = item.sourceUuid;
    const requests = [
      { requestType: 'GetSourceActive', requestData: { sourceUuid: uuid }, requestId: `${uuid}:active` },
      { requestType: 'GetSourceFilterList', requestData: { sourceUuid: uuid }, requestId: `${uuid}:filters` },
    ];
    if (item.inputKind) {
      requests.push({ requestType: 'GetInputSettings', requestData: { inputUuid: uuid } as never, requestId: `${uuid}:settings` });
      for (const t of ['GetInputMute', 'GetInputVolume', 'GetInputAudioBalance', 'GetInputAudioSyncOffset', 'GetInputAudioMonitorType', 'GetInputAudioTracks']) {
        requests.push({ requestType: t, requestData: { inputUuid: uuid } as never, requestId: `${uuid}:${t}` });
      }
    }
    return requests;
  });
  const sourceData = await batch(perSource);
  return { obs, version, kinds, transition, inputs, sceneList, sources, sourceData };
}

describe('ObsWebSocketServer answering Companion\'s connect burst', function () {
  let fx: ServerFixture;
  afterEach(async function () {
    await fx?.close();
  });

  it('answers every request with 100, and audio requests on our video-only input as OBS does', async function () {
    fx = await startServer();
    const statuses: Status[] = [];
    const { obs, kinds, transition, inputs, sceneList, sources, sourceData } = await companionConnect(fx.url, statuses);

    const AUDIO = /^(Get|Set|Toggle)Input(Mute|Volume|AudioBalance|AudioSyncOffset|AudioMonitorType|AudioTracks)$/;
    for (const s of statuses) {
      if (AUDIO.test(s.requestType)) {
        // Exactly the real server's answer for a source without audio, which Companion filters out.
        assert.equal(s.code, 602, s.requestType);
        assert.equal(s.comment, 'The specified input does not support audio.');
      } else {
        assert.equal(s.code, 100, `${s.requestType}: ${s.code} ${s.comment ?? ''}`);
      }
    }
    const asked = new Set(statuses.map((s) => s.requestType));
    for (const t of [
      'GetVersion', 'GetStudioModeEnabled', 'GetHotkeyList', 'GetInputKindList', 'GetProfileList', 'GetSceneCollectionList',
      'GetSpecialInputs', 'GetOutputList', 'GetMonitorList', 'GetStats', 'GetVideoSettings', 'GetStreamStatus',
      'GetStreamServiceSettings', 'GetRecordStatus', 'GetRecordDirectory', 'GetReplayBufferStatus', 'GetSceneList',
      'GetSceneItemList', 'GetSceneTransitionList', 'GetCurrentSceneTransition', 'GetSourceFilterList', 'GetInputList',
    ]) {
      assert.ok(asked.has(t), `${t} is part of the burst`);
    }

    // What it learnt is our camera: one scene per preset, the camera in each, our filters on it.
    assert.deepEqual(kinds, ['facemat_camera']);
    assert.equal(transition.transitionName, 'Cut');
    assert.equal(sceneList.currentProgramSceneName, 'Natural');
    assert.deepEqual(sceneList.scenes.map((s: any) => s.sceneName).reverse(), fx.controller.state().presets);
    assert.equal(sources.size, 1);
    const [camera] = sources.values();
    assert.equal(camera.sourceName, 'FaceMat Camera');
    assert.equal(camera.sourceUuid, inputs.inputs[0].inputUuid);
    const filters = sourceData.find((r) => r.requestId === `${camera.sourceUuid}:filters`).responseData.filters;
    assert.deepEqual(filters.map((f: any) => f.filterName).sort(), [...FILTER_NAMES].sort());

    // And its "toggle filter" button works: SetSourceFilterEnabled by sourceUuid.
    const toon = filters.find((f: any) => f.filterName === 'toon');
    await obs.call('SetSourceFilterEnabled', { sourceUuid: camera.sourceUuid, filterName: 'toon', filterEnabled: !toon.filterEnabled });
    assert.equal(fx.controller.chain().find((f) => f.name === 'toon')!.enabled, !toon.filterEnabled);
    await obs.disconnect();
  });

  it("answers the burst's core requests over JSON too (obs-cli, Touch Portal)", async function () {
    fx = await startServer();
    const { OBSWebSocket: JsonOBS } = await import('obs-websocket-js/json');
    const obs = new JsonOBS();
    await obs.connect(fx.url, PASSWORD);
    const results = await obs.callBatch([
      { requestType: 'GetVersion' },
      { requestType: 'GetSceneList', requestData: {} },
      { requestType: 'GetInputList', requestData: {} },
      { requestType: 'GetSourceFilterList', requestData: { sourceName: 'FaceMat Camera' } },
      { requestType: 'GetStats' },
      { requestType: 'GetVirtualCamStatus' },
    ]);
    assert.deepEqual(results.map((r) => r.requestStatus.code), [100, 100, 100, 100, 100, 100]);
    await obs.disconnect();
  });
});
