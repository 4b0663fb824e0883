import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBSWebSocket as JsonOBS, OBSWebSocketError } from 'obs-websocket-js/json';
import { OBSWebSocket as MsgpackOBS } from 'obs-websocket-js/msgpack';
import { EncoderSink } from '../../src/pipeline/sink/encoder-sink.js';
import { SyntheticSource } from '../../src/pipeline/source/synthetic-source.js';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { waitUntil } from '../helpers/wait.js';
import { SinkVirtualCamera } from './helpers/sink-virtual-camera.js';
import { runPipeline } from './helpers/pipeline-run.js';

const FORMAT = { width: 64, height: 48, fps: 30 };
const Y4M_FRAME = 6 + (FORMAT.width * FORMAT.height * 3) / 2;

/** Frames in a y4m file: its size past the header line, in whole frames. */
function y4mFrames(path: string): number {
  if (!existsSync(path)) return 0;
  const data = readFileSync(path);
  const header = data.indexOf(0x0a);
  return header < 0 ? 0 : Math.floor((data.length - header - 1) / Y4M_FRAME);
}

const failsWith = (code: number) => (err: unknown) => err instanceof OBSWebSocketError && err.code === code;

describe('ObsWebSocketServer virtual camera output', function () {
  let fx: ServerFixture;
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'facemat-obs-vcam-'));
  });
  afterEach(async function () {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 604 when no virtual camera can run, and reports it inactive', async function () {
    fx = await startServer();
    const obs = new JsonOBS();
    await obs.connect(fx.url, PASSWORD);
    await assert.rejects(obs.call('StartVirtualCam'), failsWith(604));
    await assert.rejects(obs.call('ToggleVirtualCam'), failsWith(604));
    assert.equal((await obs.call('GetVirtualCamStatus')).outputActive, false);
    const { outputs } = await obs.call('GetOutputList');
    assert.deepEqual(outputs.map((o) => [o.outputName, o.outputActive]), [['virtualcam_output', false]]);
    await obs.disconnect();
  });

  it('Start/Stop/ToggleVirtualCam start and stop a y4m-backed virtual camera in a running pipeline', async function () {
    const path = join(dir, 'vcam.y4m');
    const camera = new SinkVirtualCamera(new EncoderSink('y4m', path), FORMAT);
    fx = await startServer({ camera, format: FORMAT });
    camera.bind(fx.fanout);
    const pipeline = runPipeline({ controller: fx.controller, fanout: fx.fanout, source: new SyntheticSource(), engine: null, format: FORMAT, metrics: fx.metrics });
    const obs = new JsonOBS();
    const watcher = new MsgpackOBS();
    try {
      await obs.connect(fx.url, PASSWORD);
      await watcher.connect(fx.url, PASSWORD);
      const states: Array<[boolean, string]> = [];
      watcher.on('VirtualcamStateChanged', (e) => states.push([e.outputActive, e.outputState]));

      await obs.call('StartVirtualCam');
      assert.equal(camera.active, true);
      assert.equal(camera.starts, 1);
      assert.ok(fx.fanout.attached().length === 1, 'the sink is attached to the pipeline');
      assert.equal((await obs.call('GetVirtualCamStatus')).outputActive, true);
      assert.equal((await obs.call('GetOutputStatus', { outputName: 'virtualcam_output' })).outputActive, true);
      await assert.rejects(obs.call('StartVirtualCam'), failsWith(500));

      await waitUntil(() => y4mFrames(path) >= 3, `three frames in ${path}`, { everyMs: 20, observe: () => `${y4mFrames(path)} frames` });

      await obs.call('StopVirtualCam');
      assert.equal(camera.active, false);
      assert.equal(camera.stops, 1);
      assert.equal(fx.fanout.attached().length, 0);
      const written = y4mFrames(path);
      assert.ok(written >= 3, `frames reached the file (${written})`);
      assert.match(readFileSync(path).subarray(0, 40).toString('latin1'), /^YUV4MPEG2 W64 H48 /);
      await assert.rejects(obs.call('StopVirtualCam'), failsWith(501));

      assert.deepEqual(await obs.call('ToggleVirtualCam'), { outputActive: true });
      assert.deepEqual(await obs.call('ToggleOutput', { outputName: 'virtualcam_output' }), { outputActive: false });
      await assert.rejects(obs.call('StartOutput', { outputName: 'adv_stream' }), failsWith(600));
      assert.equal(camera.starts, 2);
      assert.equal(camera.stops, 2);

      await watcher.call('GetVersion');
      assert.deepEqual(states, [
        [true, 'OBS_WEBSOCKET_OUTPUT_STARTED'],
        [false, 'OBS_WEBSOCKET_OUTPUT_STOPPED'],
        [true, 'OBS_WEBSOCKET_OUTPUT_STARTED'],
        [false, 'OBS_WEBSOCKET_OUTPUT_STOPPED'],
      ]);
    } finally {
      await Promise.all([obs.disconnect(), watcher.disconnect()]);
      await pipeline.stop();
    }
  });
});
