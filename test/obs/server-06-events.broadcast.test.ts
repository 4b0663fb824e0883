import assert from 'node:assert/strict';
import { OBSWebSocket as JsonOBS, EventSubscription } from 'obs-websocket-js/json';
import { OBSWebSocket as MsgpackOBS } from 'obs-websocket-js/msgpack';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { RawClient } from './helpers/raw-client.js';

const CAMERA = 'FaceMat Camera';

/** Collects every event a client receives, in order. */
function record(obs: JsonOBS | MsgpackOBS, types: string[]) {
  const seen: Array<{ type: string; data: any }> = [];
  for (const type of types) obs.on(type as never, ((data: unknown) => seen.push({ type, data })) as never);
  return seen;
}

const EVENTS = [
  'SourceFilterEnableStateChanged',
  'SourceFilterSettingsChanged',
  'SourceFilterListReindexed',
  'CurrentProgramSceneChanged',
  'VirtualcamStateChanged',
  'InputActiveStateChanged',
  'InputShowStateChanged',
  'VendorEvent',
  'CustomEvent',
];

describe('ObsWebSocketServer events', function () {
  let fx: ServerFixture;
  let a: JsonOBS;
  let b: MsgpackOBS;
  beforeEach(async function () {
    fx = await startServer();
    a = new JsonOBS();
    b = new MsgpackOBS();
    await a.connect(fx.url, PASSWORD);
    await b.connect(fx.url, PASSWORD, { eventSubscriptions: EventSubscription.All | EventSubscription.InputActiveStateChanged });
  });
  afterEach(async function () {
    await Promise.all([a.disconnect(), b.disconnect()]);
    await fx.close();
  });

  /** A round trip on each client: every event sent before it has arrived. */
  const settle = () => Promise.all([a.call('GetVersion'), b.call('GetVersion')]);

  it('delivers a change made by one client to the other', async function () {
    const seenA = record(a, EVENTS);
    const seenB = record(b, EVENTS);
    await a.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'sketch', filterEnabled: true });
    await settle();
    const change = { type: 'SourceFilterEnableStateChanged', data: { sourceName: CAMERA, filterName: 'sketch', filterEnabled: true } };
    assert.deepEqual(seenB[0], change);
    assert.deepEqual(seenA[0], change, 'the sender hears about it too, as with OBS');
    const vendor = seenB.find((e) => e.type === 'VendorEvent')!.data;
    assert.deepEqual(vendor, { vendorName: 'facemat', eventType: 'FilterEnabledChanged', eventData: { filter: 'sketch', enabled: true, origin: 'obs-websocket' } });
  });

  it('delivers changes made elsewhere (hotkeys, HTTP) through the controller', async function () {
    const seen = record(b, EVENTS);
    await fx.controller.execute({ type: 'filter.settings', name: 'toon', settings: { levels: 4 } }, 'http');
    await fx.controller.execute({ type: 'filter.move', name: 'matte', index: 0 }, 'web');
    await fx.controller.execute({ type: 'preset.select', name: 'Privacy' }, 'hotkey');
    await settle();
    const types = seen.map((e) => e.type);
    assert.deepEqual(types.filter((t) => t !== 'VendorEvent'), [
      'SourceFilterSettingsChanged',
      'SourceFilterListReindexed',
      'SourceFilterEnableStateChanged', // beautify off
      'SourceFilterEnableStateChanged', // recolor off
      'SourceFilterEnableStateChanged', // anonymize on
      'CurrentProgramSceneChanged',
      'SourceFilterListReindexed',
    ]);
    assert.deepEqual(seen[0].data.filterSettings, { levels: 4, edges: 0.8 });
    const scene = seen.find((e) => e.type === 'CurrentProgramSceneChanged')!.data;
    const { scenes } = await b.call('GetSceneList');
    assert.deepEqual(scene, { sceneName: 'Privacy', sceneUuid: scenes.find((s) => s.sceneName === 'Privacy')!.sceneUuid });
    const reindexed = seen.filter((e) => e.type === 'SourceFilterListReindexed').at(-1)!.data;
    assert.deepEqual(reindexed.filters.map((f: any) => f.filterName), fx.controller.chain().map((f) => f.name));
    const origins = seen.filter((e) => e.type === 'VendorEvent').map((e) => [e.data.eventType, e.data.eventData.origin]);
    assert.deepEqual(origins.slice(0, 2), [['FilterSettingsChanged', 'http'], ['FilterOrderChanged', 'web']]);
    assert.deepEqual(origins.at(-1), ['PresetChanged', 'hotkey']);
  });

  it('sends high-volume events only to sessions that opted in', async function () {
    const seenA = record(a, EVENTS);
    const seenB = record(b, EVENTS);
    await fx.controller.execute({ type: 'camera.pause', paused: true }, 'hotkey');
    await settle();
    assert.ok(seenB.some((e) => e.type === 'InputActiveStateChanged' && e.data.videoActive === false && e.data.inputName === CAMERA));
    assert.ok(!seenB.some((e) => e.type === 'InputShowStateChanged'), 'B did not opt into InputShowStateChanged');
    assert.ok(!seenA.some((e) => e.type.startsWith('Input')), 'A subscribed to All, which leaves high-volume events out');
    assert.ok(seenA.some((e) => e.type === 'VendorEvent' && e.data.eventType === 'CameraPausedChanged'));
  });

  it('broadcasts CustomEvent to every session', async function () {
    const seenB = record(b, EVENTS);
    await a.call('BroadcastCustomEvent', { eventData: { button: 7 } });
    await settle();
    assert.deepEqual(seenB, [{ type: 'CustomEvent', data: { button: 7 } }]);
  });

  it('sends nothing to a connection that has not identified', async function () {
    const raw = await RawClient.connect(fx.url);
    await fx.controller.execute({ type: 'filter.toggle', name: 'toon' }, 'hotkey');
    await settle();
    assert.deepEqual(raw.messages.map((m) => m.op), [0]);
    await raw.close();
  });
});
