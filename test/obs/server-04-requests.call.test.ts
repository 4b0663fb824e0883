import assert from 'node:assert/strict';
import { OBSWebSocket, OBSWebSocketError } from 'obs-websocket-js/json';
import { defaultSettings } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';

const CAMERA = 'FaceMat Camera';

async function rejectsWith(p: Promise<unknown>, code: number, comment?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof OBSWebSocketError, String(err));
    assert.equal(err.code, code, err.message);
    if (comment) assert.match(err.message, comment);
    return true;
  });
}

describe('ObsWebSocketServer requests (through the real PipelineController)', function () {
  let fx: ServerFixture;
  let obs: OBSWebSocket;
  beforeEach(async function () {
    fx = await startServer();
    obs = new OBSWebSocket();
    await obs.connect(fx.url, PASSWORD);
  });
  afterEach(async function () {
    await obs.disconnect();
    await fx.close();
  });

  const filter = (name: string) => fx.controller.chain().find((f) => f.name === name)!;

  it('SetSourceFilterEnabled toggles the filter in the controller, by name or UUID', async function () {
    assert.equal(filter('toon').enabled, false);
    await obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon', filterEnabled: true });
    assert.equal(filter('toon').enabled, true);
    const { inputs } = await obs.call('GetInputList');
    await obs.call('SetSourceFilterEnabled', { sourceUuid: inputs[0].inputUuid as string, filterName: 'toon', filterEnabled: false });
    assert.equal(filter('toon').enabled, false);
    const got = await obs.call('GetSourceFilter', { sourceName: CAMERA, filterName: 'beautify' });
    assert.equal(got.filterEnabled, true);
    assert.equal(got.filterKind, 'facemat_beautify_filter');
  });

  it('refuses unknown sources, filters and bad fields with the real server\'s codes, changing nothing', async function () {
    const before = JSON.stringify(fx.controller.state().filters);
    await rejectsWith(obs.call('SetSourceFilterEnabled', { sourceName: 'Webcam', filterName: 'toon', filterEnabled: true }), 600, /No source was found by the name of `Webcam`/);
    await rejectsWith(obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'sepia', filterEnabled: true }), 600, /No filter was found/);
    await rejectsWith(obs.call('SetSourceFilterEnabled', { sourceName: 'Natural', filterName: 'toon', filterEnabled: true }), 600);
    await rejectsWith(obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon', filterEnabled: 'yes' as never }), 401, /must be boolean/);
    await rejectsWith(obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon' } as never), 300, /missing the `filterEnabled` field/);
    await rejectsWith(obs.call('SetSourceFilterEnabled'), 300, /at least one of the following fields/);
    await rejectsWith(obs.call('TriggerHotkeyByName'), 301, /request data is missing/);
    await rejectsWith(obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { levels: 99 } }), 400, /out of range/);
    await rejectsWith(obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { colour: 1 } }), 400, /has no setting/);
    await rejectsWith(obs.call('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'toon', filterIndex: -1 }), 402);
    await rejectsWith(obs.call('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'toon', filterIndex: 7 }), 402);
    await rejectsWith(obs.call('CreateSourceFilter', { sourceName: CAMERA, filterName: 'x', filterKind: 'color_filter_v2' }), 204);
    assert.equal(JSON.stringify(fx.controller.state().filters), before);
  });

  it('sets filter settings (overlay or reset) and order', async function () {
    await obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { levels: 3 } });
    assert.deepEqual(filter('toon').settings, { ...defaultSettings('toon'), levels: 3 });
    await obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { edges: 0.5 } });
    assert.deepEqual(filter('toon').settings, { levels: 3, edges: 0.5 });
    await obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'toon', filterSettings: { edges: 0.25 }, overlay: false });
    assert.deepEqual(filter('toon').settings, { ...defaultSettings('toon'), edges: 0.25 });
    await obs.call('SetSourceFilterIndex', { sourceName: CAMERA, filterName: 'matte', filterIndex: 0 });
    assert.equal(fx.controller.chain()[0].name, 'matte');
    const { filters } = await obs.call('GetSourceFilterList', { sourceName: CAMERA });
    assert.deepEqual(filters.map((f) => f.filterName), fx.controller.chain().map((f) => f.name));
    assert.deepEqual(filters.map((f) => f.filterIndex), [0, 1, 2, 3, 4, 5, 6]);
    const { defaultFilterSettings } = await obs.call('GetSourceFilterDefaultSettings', { filterKind: 'facemat_anonymize_filter' });
    assert.deepEqual(defaultFilterSettings, defaultSettings('anonymize'));
    await rejectsWith(obs.call('GetSourceFilterDefaultSettings', { filterKind: 'color_filter_v2' }), 607);
  });

  it('switches presets as program scenes; scenes have no filters; no studio mode', async function () {
    const { scenes } = await obs.call('GetSceneList');
    const privacy = scenes.find((s) => s.sceneName === 'Privacy')!;
    await obs.call('SetCurrentProgramScene', { sceneUuid: privacy.sceneUuid as string });
    assert.equal(fx.controller.state().preset, 'Privacy');
    assert.equal(filter('anonymize').enabled, true);
    await obs.call('SetCurrentProgramScene', { sceneName: 'Off' });
    assert.deepEqual((await obs.call('GetCurrentProgramScene')).sceneName, 'Off');
    assert.ok(fx.controller.chain().every((f) => !f.enabled));
    await rejectsWith(obs.call('SetCurrentProgramScene', { sceneName: 'Nope' }), 600);
    await rejectsWith(obs.call('SetCurrentProgramScene', { sceneName: CAMERA }), 602, /not a scene/);
    assert.deepEqual((await obs.call('GetSourceFilterList', { sourceName: 'Off' })).filters, []);
    await rejectsWith(obs.call('GetCurrentPreviewScene'), 506);
    const items = (await obs.call('GetSceneItemList', { sceneName: 'Off' })).sceneItems;
    assert.equal(items.length, 1);
    assert.equal(items[0].sourceName, CAMERA);
    assert.equal((await obs.call('GetSceneItemId', { sceneName: 'Off', sourceName: CAMERA })).sceneItemId, items[0].sceneItemId);
    await rejectsWith(obs.call('GetSceneItemEnabled', { sceneName: 'Off', sceneItemId: 99 }), 600);
    const active = await obs.call('GetSourceActive', { sourceName: 'Off' });
    assert.equal(active.videoActive, true);
    assert.equal((await obs.call('GetSourceActive', { sourceName: 'Cartoon' })).videoActive, false);
  });

  it('lists our actions as hotkeys and triggers them', async function () {
    const { hotkeys } = await obs.call('GetHotkeyList');
    assert.ok(hotkeys.includes('toggle:sketch'));
    assert.ok(hotkeys.includes('preset:next'));
    await obs.call('TriggerHotkeyByName', { hotkeyName: 'toggle:sketch' });
    assert.equal(filter('sketch').enabled, true);
    await obs.call('TriggerHotkeyByName', { hotkeyName: 'preset:next' });
    assert.equal(fx.controller.state().preset, 'Cartoon');
    await obs.call('TriggerHotkeyByName', { hotkeyName: 'camera:pause', contextName: CAMERA });
    assert.equal(fx.controller.state().paused, true);
    assert.equal((await obs.call('GetSourceActive', { sourceName: CAMERA })).videoActive, false);
    await rejectsWith(obs.call('TriggerHotkeyByName', { hotkeyName: 'OBSBasic.StartStreaming' }), 600);
    await rejectsWith(obs.call('TriggerHotkeyByName', { hotkeyName: 'toggle:toon', contextName: 'Mic' }), 600);
  });

  it('reports real pipeline figures in GetStats and the video format in GetVideoSettings', async function () {
    fx.metrics.frames.captured = 120;
    fx.metrics.frames.output = 100;
    fx.metrics.dropped.sink = 3;
    fx.metrics.dropped.capture = 2;
    fx.metrics.latency.composite.record(4);
    fx.metrics.latency.composite.record(6);
    const stats = await obs.call('GetStats');
    assert.equal(stats.renderTotalFrames, 120);
    assert.equal(stats.outputTotalFrames, 100);
    assert.equal(stats.outputSkippedFrames, 3);
    assert.equal(stats.renderSkippedFrames, 2);
    assert.equal(stats.averageFrameRenderTime, 5);
    assert.ok(stats.memoryUsage > 0);
    assert.ok(stats.webSocketSessionIncomingMessages >= 2);
    const video = await obs.call('GetVideoSettings');
    assert.deepEqual(video, { fpsNumerator: 30, fpsDenominator: 1, baseWidth: 64, baseHeight: 48, outputWidth: 64, outputHeight: 48 });
  });

  it('CallVendorRequest "facemat": state, model, matte view, settings, presets', async function () {
    const vendor = (requestType: string, requestData?: object) =>
      obs.call('CallVendorRequest', { vendorName: 'facemat', requestType, requestData: requestData as never });
    const state = (await vendor('GetState')).responseData as any;
    assert.equal(state.preset, 'Natural');
    assert.equal(state.filters.length, 7);
    const model = (await vendor('GetModelInfo')).responseData as any;
    assert.deepEqual([model.model, model.provider], ['facemat-test.onnx', 'cpu']);

    const matte = (await vendor('SetMatteView', { enabled: true, view: 'uncertainty' })).responseData;
    assert.deepEqual(matte, { enabled: true, view: 'uncertainty' });
    assert.equal(filter('matte').enabled, true);
    assert.equal(filter('matte').settings.view, 'uncertainty');
    await rejectsWith(vendor('SetMatteView', { enabled: true, view: 'x-ray' }), 400);

    await vendor('SetFilterSettings', { filter: 'anonymize', settings: { mode: 'blur' } });
    assert.equal(filter('anonymize').settings.mode, 'blur');
    assert.equal((await vendor('SelectPreset', { preset: 'Cartoon' })).responseData.preset, 'Cartoon');
    assert.equal(fx.controller.state().preset, 'Cartoon');
    assert.equal((await vendor('ToggleFilter', { filter: 'sketch' })).responseData.enabled, true);
    await rejectsWith(vendor('ToggleFilter', { filter: 'sepia' }), 600);
    await rejectsWith(vendor('SelectPreset', { preset: 'Nope' }), 600);
    await rejectsWith(vendor('Explode'), 600, /No request was found by that name/);
    await rejectsWith(obs.call('CallVendorRequest', { vendorName: 'obs-shaderfilter', requestType: 'GetState' }), 600, /No vendor/);
  });

  it('answers requests it does not implement with 204 and keeps the session', async function () {
    for (const type of ['StartStream', 'StartRecord', 'CreateInput', 'SetStudioModeEnabled', 'TotallyMadeUp']) {
      await rejectsWith(obs.call(type as never), 204, /not valid/);
    }
    await rejectsWith(obs.call('' as never), 203);
    assert.equal((await obs.call('GetStudioModeEnabled')).studioModeEnabled, false);
  });
});
