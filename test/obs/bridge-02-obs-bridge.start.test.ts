import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type OBSWebSocket from 'obs-websocket-js/json';
import { setLogSink } from '../../src/log.js';
import { ACTIONS } from '../../src/pipeline/controller/commands.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { Scheduler } from '../../src/pipeline/scheduler/scheduler.js';
import { SinkFanout } from '../../src/pipeline/scheduler/sink-fanout.js';
import { startObsBridge, type ObsBridge, type ObsBridgeParts } from '../../src/obs/bridge/index.js';
import { OWNER_KEY, OWNER_VALUE, ROLE_KEY } from '../../src/obs/bridge/ownership.js';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import { BACKGROUND, FACE, FaceBoxMatteEngine, SCENE_FORMAT, SIGNATURE_SETTINGS, SKIN, StillFaceSource, near, referenceColours, signatureChain, type RGB } from './bridge-helpers/face-scene.js';
import { RealObs, Xvfb, freePort, screenshot } from './bridge-helpers/real-obs.js';
import { waitUntil } from '../helpers/wait.js';

const CAMERA = 'FaceMat Camera';
const INSIDE_FACE = [
  [FACE.x + FACE.width / 2, FACE.y + FACE.height / 2],
  [FACE.x + 6, FACE.y + 6],
  [FACE.x + FACE.width - 7, FACE.y + FACE.height - 7],
];
const OUTSIDE_FACE = [
  [12, 12],
  [SCENE_FORMAT.width - 12, SCENE_FORMAT.height - 12],
  [FACE.x - 12, FACE.y + FACE.height / 2],
  [FACE.x + FACE.width + 12, FACE.y + FACE.height / 2],
];

interface OwnedSummary {
  name: string;
  kind: string;
  role: string;
}

/** Every input OBS has that carries our ownership mark. */
async function ownedInputs(obs: OBSWebSocket): Promise<OwnedSummary[]> {
  const { inputs } = await obs.call('GetInputList');
  const out: OwnedSummary[] = [];
  for (const input of inputs) {
    const { inputSettings, inputKind } = await obs.call('GetInputSettings', { inputName: String(input.inputName) });
    if (inputSettings[OWNER_KEY] === OWNER_VALUE) out.push({ name: String(input.inputName), kind: inputKind, role: String(inputSettings[ROLE_KEY]) });
  }
  return out;
}

/** Waits until OBS's picture of our camera shows the face in `faceColor` on our background. */
async function waitForPicture(obs: OBSWebSocket, faceColor: RGB, what: string): Promise<void> {
  const shot = await waitUntil(async () => {
      const s = await screenshot(obs, CAMERA, SCENE_FORMAT.width, SCENE_FORMAT.height);
      return INSIDE_FACE.every(([x, y]) => near(s.pixel(x, y), faceColor)) ? s : null;
    }, what, { timeoutMs: 45_000, everyMs: 300, retryErrors: true });
  for (const [x, y] of INSIDE_FACE) assert.ok(near(shot.pixel(x, y), faceColor), `face pixel ${x},${y} = ${shot.pixel(x, y)}`);
  for (const [x, y] of OUTSIDE_FACE) assert.ok(near(shot.pixel(x, y), BACKGROUND), `background pixel ${x},${y} = ${shot.pixel(x, y)}`);
}

describe('startObsBridge with a real OBS Studio (headless, under Xvfb)', function () {
  this.timeout(120_000);
  const password = randomBytes(9).toString('base64url');
  const logs: string[] = [];
  let restoreLog: ((line: string) => void) | null = null;
  let xvfb: Xvfb;
  let obs: RealObs;
  let client: OBSWebSocket | null = null;
  let controller: PipelineController;
  let scheduler: Scheduler;
  let fanout: SinkFanout;
  let running: Promise<unknown>;
  let bridge: (ObsBridge & { parts: ObsBridgeParts }) | null = null;
  let readyCount = 0;
  /** The face as the real compositor tints it with the signature filter on. */
  let signature: RGB;

  before(async () => {
    restoreLog = setLogSink((line) => {
      logs.push(line);
      if (process.env.FACEMAT_TEST_LOG) process.stderr.write(line + '\n');
    });
    xvfb = await Xvfb.start();
    obs = new RealObs({ display: xvfb.display, port: await freePort(), password });
    await obs.start();
    // The real scheduler, controller and GL compositor; test camera and matte (face-scene.ts).
    const reference = await referenceColours(signatureChain());
    signature = reference.face;
    assert.ok(!near(signature, SKIN, 60), `the signature filter visibly changes the face (${signature})`);
    assert.ok(near(reference.background, BACKGROUND, 0), 'and leaves the background as filmed');
    fanout = new SinkFanout();
    controller = new PipelineController({ chain: signatureChain(), preset: 'Natural', sinks: fanout, info: () => ({
      source: 'still face (test)',
      sinks: [],
      format: SCENE_FORMAT,
      model: 'face box (test)',
      provider: 'none',
    }) });
    scheduler = new Scheduler({
      source: new StillFaceSource(),
      engine: new FaceBoxMatteEngine(),
      compositor: new GlCompositor(),
      sinks: [],
      controls: controller,
      fanout,
      format: SCENE_FORMAT,
    });
    running = scheduler.run();
  });

  after(async () => {
    await client?.disconnect().catch(() => {});
    await bridge?.close();
    scheduler?.stop();
    await running?.catch(() => {});
    await obs?.remove();
    await xvfb?.stop();
    if (restoreLog) setLogSink(restoreLog);
  });

  async function freshClient(): Promise<OBSWebSocket> {
    await client?.disconnect().catch(() => {});
    client = await obs.client();
    return client;
  }

  it('adds "FaceMat Camera" to the program scene, and OBS shows our filtered frames', async () => {
    bridge = await startObsBridge({
      controller,
      url: obs.url,
      password,
      virtualcam: true,
      sceneToPreset: { 'FaceMat Off': 'Off' },
    });
    bridge.on('ready', () => readyCount++);
    assert.equal(bridge.state, 'connected');
    const obsClient = await freshClient();
    const cameras = (await ownedInputs(obsClient)).filter((i) => i.role === 'camera');
    assert.deepEqual(cameras, [{ name: CAMERA, kind: 'ffmpeg_source', role: 'camera' }]);
    const { currentProgramSceneName } = await obsClient.call('GetCurrentProgramScene');
    const { sceneItemId } = await obsClient.call('GetSceneItemId', { sceneName: currentProgramSceneName, sourceName: CAMERA });
    assert.ok(sceneItemId > 0);
    const { inputSettings } = await obsClient.call('GetInputSettings', { inputName: CAMERA });
    assert.match(String(inputSettings.input), /^tcp:\/\/127\.0\.0\.1:\d+$/);
    await waitForPicture(obsClient, signature, 'OBS to show the face in the filter signature colour');
    assert.ok(fanout.attached().length === 1 && fanout.attached()[0].hasConsumers(), 'OBS reads our stream');
  });

  it('runs a filter toggle from the OBS hotkey bound to its "FaceMat Controls" item, and OBS shows the change', async () => {
    const obsClient = await freshClient();
    const item = bridge!.parts.controls!.itemsByAction().get('toggle:recolor')!;
    assert.equal(item.visible, true, 'the recolor item is shown while the filter is on');
    // What pressing a key bound in Settings > Hotkeys to "Hide 'FaceMat toggle:recolor'" does.
    await obsClient.call('TriggerHotkeyByName', { hotkeyName: `libobs.hide_scene_item.${item.inputName}` });
    await waitUntil(() => !controller.chain().find((f) => f.name === 'recolor')!.enabled, 'the recolor filter to switch off', { timeoutMs: 30_000 });
    await waitForPicture(obsClient, SKIN, 'OBS to show the unfiltered face');
  });

  it('runs an action sent as BroadcastCustomEvent {"facemat": ...} and mirrors it onto the controls item', async () => {
    const obsClient = await freshClient();
    await obsClient.call('BroadcastCustomEvent', { eventData: { facemat: 'toggle:recolor' } });
    await waitUntil(() => controller.chain().find((f) => f.name === 'recolor')!.enabled, 'the recolor filter to switch on', { timeoutMs: 30_000 });
    const item = bridge!.parts.controls!.itemsByAction().get('toggle:recolor')!;
    await waitUntil(async () => {
      const { sceneItemEnabled } = await obsClient.call('GetSceneItemEnabled', { sceneName: 'FaceMat Controls', sceneItemId: item.sceneItemId });
      return sceneItemEnabled;
    }, 'the controls item to show again', { timeoutMs: 30_000 });
    await waitForPicture(obsClient, signature, 'OBS to show the filtered face again');
  });

  it('selects the preset mapped to the scene OBS switches to', async () => {
    const obsClient = await freshClient();
    const { currentProgramSceneName: home } = await obsClient.call('GetCurrentProgramScene');
    await obsClient.call('CreateScene', { sceneName: 'FaceMat Off' });
    await obsClient.call('SetCurrentProgramScene', { sceneName: 'FaceMat Off' });
    await waitUntil(() => controller.state().preset === 'Off', 'the preset to follow the scene', { timeoutMs: 30_000 });
    assert.equal(controller.chain().find((f) => f.name === 'recolor')!.enabled, false);
    await obsClient.call('SetCurrentProgramScene', { sceneName: home });
    await controller.execute({ type: 'filter.settings', name: 'recolor', settings: SIGNATURE_SETTINGS }, 'cli');
    await controller.execute({ type: 'filter.enable', name: 'recolor', enabled: true }, 'cli');
    await waitForPicture(obsClient, signature, 'OBS to show the filtered face with the preset back');
  });

  it("says once, clearly, that OBS's virtual camera is unavailable (StartVirtualCam: 604)", () => {
    const lines = logs.filter((line) => line.includes('604'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /cannot start its virtual camera/);
    assert.match(lines[0], /v4l2loopback/);
    assert.equal(bridge!.parts.virtualcam!.outcome, 'unavailable');
  });

  it('reconnects when OBS quits and starts again, and finds its input instead of duplicating it', async () => {
    await client?.disconnect();
    client = null;
    const before = readyCount;
    await obs.stop('SIGTERM'); // OBS saves its scene collection, our input included
    await waitUntil(() => bridge!.state === 'retrying', 'the bridge to notice OBS quit', { timeoutMs: 30_000 });
    await obs.start();
    await waitUntil(() => readyCount > before, 'the bridge to reconnect', { timeoutMs: 60_000 });
    assert.ok(logs.some((line) => line.includes(`found "${CAMERA}" in OBS from an earlier run`)));
    const obsClient = await freshClient();
    const owned = await ownedInputs(obsClient);
    assert.deepEqual(
      owned.filter((i) => i.role === 'camera'),
      [{ name: CAMERA, kind: 'ffmpeg_source', role: 'camera' }],
    );
    assert.equal(owned.filter((i) => i.role.startsWith('control:')).length, Object.keys(ACTIONS).length);
    const { inputs } = await obsClient.call('GetInputList');
    assert.equal(inputs.filter((i) => String(i.inputName).startsWith(CAMERA)).length, 1);
    await waitForPicture(obsClient, signature, 'OBS to show our filtered frames after its restart');
  });

  it('recovers the same way after OBS crashes (SIGKILL)', async () => {
    await client?.disconnect();
    client = null;
    const before = readyCount;
    await obs.stop('SIGKILL');
    await waitUntil(() => bridge!.state === 'retrying', 'the bridge to notice OBS died', { timeoutMs: 30_000 });
    await obs.start();
    await waitUntil(() => readyCount > before, 'the bridge to reconnect', { timeoutMs: 60_000 });
    const obsClient = await freshClient();
    const owned = await ownedInputs(obsClient);
    assert.equal(owned.filter((i) => i.role === 'camera').length, 1);
    const { inputs } = await obsClient.call('GetInputList');
    assert.equal(inputs.filter((i) => String(i.inputName).startsWith(CAMERA)).length, 1);
    await waitForPicture(obsClient, signature, 'OBS to show our filtered frames after the crash');
  });

  it('close() disconnects and stops serving the stream, leaving the input for the next run', async () => {
    const sink = fanout.attached()[0];
    await bridge!.close();
    assert.equal(bridge!.state, 'closed');
    assert.equal(fanout.attached().length, 0);
    assert.equal(sink.hasConsumers(), false);
    const obsClient = await freshClient();
    assert.equal((await ownedInputs(obsClient)).filter((i) => i.role === 'camera').length, 1);
  });
});
