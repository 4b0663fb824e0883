import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type OBSWebSocket from 'obs-websocket-js/json';
import { setLogSink } from '../../src/log.js';
import { SinkFanout } from '../../src/pipeline/scheduler/sink-fanout.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { startObsBridge, validateObsUrl, type ObsBridge, type ObsBridgeParts } from '../../src/obs/bridge/index.js';
import { OWNER_KEY, OWNER_VALUE, ROLE_KEY } from '../../src/obs/bridge/ownership.js';
import { SCENE_FORMAT } from './bridge-helpers/face-scene.js';
import { RealObs, Xvfb, freePort } from './bridge-helpers/real-obs.js';
import { sleep, waitForEvent, waitUntil } from '../helpers/wait.js';

type Bridge = ObsBridge & { parts: ObsBridgeParts };

function newController(fanout = new SinkFanout()): PipelineController {
  const preset = PRESETS.find((p) => p.name === 'Natural')!;
  return new PipelineController({ chain: chainForPreset(preset), preset: preset.name, sinks: fanout, info: () => ({
    source: 'none',
    sinks: [],
    format: SCENE_FORMAT,
    model: 'none',
    provider: 'none',
  }) });
}

async function cameraInputs(obs: OBSWebSocket): Promise<Array<{ name: string; kind: string; settings: Record<string, unknown> }>> {
  const { inputs } = await obs.call('GetInputList');
  const out = [];
  for (const input of inputs) {
    const { inputSettings, inputKind } = await obs.call('GetInputSettings', { inputName: String(input.inputName) });
    if (inputSettings[OWNER_KEY] === OWNER_VALUE && inputSettings[ROLE_KEY] === 'camera') {
      out.push({ name: String(input.inputName), kind: inputKind, settings: inputSettings });
    }
  }
  return out;
}

describe('ObsBridge connection handling, against a real OBS Studio', function () {
  this.timeout(120_000);
  const password = randomBytes(9).toString('base64url');
  const logs: string[] = [];
  let restoreLog: ((line: string) => void) | null = null;
  let xvfb: Xvfb;
  let obs: RealObs | null = null;
  let bridge: Bridge | null = null;
  let client: OBSWebSocket | null = null;

  before(async () => {
    restoreLog = setLogSink((line) => {
      logs.push(line);
      if (process.env.FACEMAT_TEST_LOG) process.stderr.write(line + '\n');
    });
    xvfb = await Xvfb.start();
  });

  afterEach(async () => {
    await client?.disconnect().catch(() => {});
    client = null;
    await bridge?.close();
    bridge = null;
    await obs?.remove();
    obs = null;
    logs.length = 0;
  });

  after(async () => {
    await xvfb?.stop();
    if (restoreLog) setLogSink(restoreLog);
  });

  it('rejects a URL that is not ws:// with a message saying what is expected', () => {
    assert.throws(() => validateObsUrl('localhost:4455'), /--obs expects .*ws:\/\/127\.0\.0\.1:4455/);
    assert.throws(() => validateObsUrl('http://127.0.0.1:4455'), /ws:\/\/ or wss:\/\//);
  });

  it('rejects a scene mapped to a preset that does not exist', async () => {
    await assert.rejects(
      startObsBridge({ controller: newController(), url: 'ws://127.0.0.1:1', sceneToPreset: { Gaming: 'Sparkles' } }),
      /OBS scene "Gaming" is mapped to unknown preset "Sparkles" \(presets: Natural, Cartoon, Privacy, Off\)/,
    );
  });

  it('gives one clear error for a wrong password and does not retry', async () => {
    obs = new RealObs({ display: xvfb.display, port: await freePort(), password });
    await obs.start();
    bridge = await startObsBridge({ controller: newController(), url: obs.url, password: 'not-the-password' });
    assert.equal(bridge.state, 'failed');
    assert.match(bridge.error!.message, /refused the password .*4009.*Not retrying/);
    await sleep(4_000); // longer than several back-off steps
    const errors = logs.filter((line) => line.includes('error:'));
    assert.deepEqual(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /--obs-password/);
    assert.equal(bridge.connectionAttempts, 1);
    assert.equal(obs.clientConnections(), 1, 'OBS saw exactly one connection');
  });

  it('says a password is needed when none was given', async () => {
    obs = new RealObs({ display: xvfb.display, port: await freePort(), password });
    await obs.start();
    bridge = await startObsBridge({ controller: newController(), url: obs.url });
    assert.equal(bridge.state, 'failed');
    assert.match(bridge.error!.message, /requires a password.*Pass --obs-password/);
  });

  it('waits for an OBS that is not running yet, saying so once, and connects when it comes up', async () => {
    const port = await freePort();
    bridge = await startObsBridge({ controller: newController(), url: `ws://127.0.0.1:${port}`, password, controls: false });
    assert.equal(bridge.state, 'retrying');
    await waitUntil(() => bridge!.connectionAttempts >= 4, 'a few retries', { timeoutMs: 30_000 });
    const ready = waitForEvent(bridge, 'ready', 'the bridge to connect once OBS is up', { timeoutMs: 90_000 });
    obs = new RealObs({ display: xvfb.display, port, password });
    await obs.start();
    await ready;
    assert.equal(bridge.state, 'connected');
    const warnings = logs.filter((line) => line.includes('not reachable'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Retrying in the background with back-off/);
    client = await obs.client();
    assert.equal((await cameraInputs(client)).length, 1);
  });

  it('uses a v4l2_input on our loopback node when there is one, and replaces it (not duplicates it) when the feed changes', async () => {
    obs = new RealObs({ display: xvfb.display, port: await freePort(), password });
    await obs.start();
    const fanout = new SinkFanout();
    const controller = newController(fanout);
    bridge = await startObsBridge({ controller, url: obs.url, password, v4l2Device: '/dev/video10', controls: false, scene: 'Camera' });
    client = await obs.client();
    const v4l2 = await cameraInputs(client);
    assert.equal(v4l2.length, 1);
    assert.equal(v4l2[0].kind, 'v4l2_input');
    assert.equal(v4l2[0].settings.device_id, '/dev/video10');
    assert.equal(fanout.attached().length, 0, 'no network stream when OBS reads the v4l2 node');
    const { sceneItemId } = await client.call('GetSceneItemId', { sceneName: 'Camera', sourceName: 'FaceMat Camera' });
    assert.ok(sceneItemId > 0, 'the named scene was created and shows the camera');
    await bridge.close();
    bridge = await startObsBridge({ controller, url: obs.url, password, controls: false, scene: 'Camera' });
    const stream = await cameraInputs(client);
    assert.deepEqual(
      stream.map((i) => [i.name, i.kind]),
      [['FaceMat Camera', 'ffmpeg_source']],
    );
  });

  it("leaves a user's own input named \"FaceMat Camera\" alone and uses another name", async () => {
    obs = new RealObs({ display: xvfb.display, port: await freePort(), password });
    await obs.start();
    client = await obs.client();
    const { currentProgramSceneName } = await client.call('GetCurrentProgramScene');
    await client.call('CreateInput', {
      sceneName: currentProgramSceneName,
      inputName: 'FaceMat Camera',
      inputKind: 'color_source_v3',
      inputSettings: { color: 0xff00ff00 },
    });
    bridge = await startObsBridge({ controller: newController(), url: obs.url, password, controls: false });
    const ours = await cameraInputs(client);
    assert.deepEqual(
      ours.map((i) => i.name),
      ['FaceMat Camera 2'],
    );
    const theirs = await client.call('GetInputSettings', { inputName: 'FaceMat Camera' });
    assert.equal(theirs.inputKind, 'color_source_v3');
    assert.deepEqual(theirs.inputSettings, { color: 0xff00ff00 });
    assert.ok(logs.some((line) => line.includes('did not make; leaving it alone')));
  });
});
