import assert from 'node:assert/strict';
import { OBSWebSocket } from 'obs-websocket-js/msgpack';
import { DelayEngine } from '../helpers/stage-doubles.js';
import { PASSWORD, startServer, type ServerFixture } from './helpers/obs-server-fixture.js';
import { waitUntil } from '../helpers/wait.js';
import { SinkVirtualCamera } from './helpers/sink-virtual-camera.js';
import { RecordingSink, StillSource, difference } from './helpers/pipeline-stages.js';
import { runPipeline } from './helpers/pipeline-run.js';

const FORMAT = { width: 160, height: 120, fps: 30 };
const CAMERA = 'FaceMat Camera';

/**
 * End to end through the lead's scheduler and the real GL compositor: a still camera picture,
 * a matte that covers the whole frame, our virtual camera recording what it is sent. What an
 * obs-websocket client switches must show in the frames.
 */
describe('ObsWebSocketServer driving a running pipeline', function () {
  let fx: ServerFixture;
  afterEach(async function () {
    await fx?.close();
  });

  it('SetSourceFilterEnabled changes the output frames; StartVirtualCam/StopVirtualCam start and stop them', async function () {
    const sink = new RecordingSink();
    const camera = new SinkVirtualCamera(sink, FORMAT);
    fx = await startServer({ camera, format: FORMAT });
    camera.bind(fx.fanout);
    const source = new StillSource();
    const pipeline = runPipeline({ controller: fx.controller, fanout: fx.fanout, source, engine: new DelayEngine(0), format: FORMAT, metrics: fx.metrics });
    const obs = new OBSWebSocket();
    try {
      await obs.connect(fx.url, PASSWORD);
      await obs.call('SetCurrentProgramScene', { sceneName: 'Off' });
      await obs.call('StartVirtualCam');
      assert.equal(sink.opened, 1);

      // Frames composited before a change can still be on their way (one waiting for its matte,
      // one in the sink's mailbox): the third frame after it is sure to show it.
      const frameAfterChange = async () => {
        const seen = sink.frames.length;
        await waitUntil(() => sink.frames.length >= seen + 3, 'the third frame after the change', { observe: () => `${sink.frames.length - seen} frames since` });
        return sink.frames.at(-1)!;
      };

      const plain = await frameAfterChange();
      assert.equal(difference(plain, source.image!), 0, 'no filter enabled: the camera picture as it is');

      await obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon', filterEnabled: true });
      const toon = await frameAfterChange();
      assert.ok(difference(toon, source.image!) > 0.1, 'toon is drawn over the face');

      await obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'toon', filterEnabled: false });
      assert.equal(difference(await frameAfterChange(), source.image!), 0, 'toon off again');

      await obs.call('SetSourceFilterEnabled', { sourceName: CAMERA, filterName: 'anonymize', filterEnabled: true });
      await obs.call('SetSourceFilterSettings', { sourceName: CAMERA, filterName: 'anonymize', filterSettings: { blockSize: 64 } });
      const pixelated = await frameAfterChange();
      assert.ok(difference(pixelated, source.image!) > 0.1, 'anonymize pixelates the face');
      assert.ok(difference(pixelated, toon) > 0.1, 'and looks different from toon');

      const stats = await obs.call('GetStats');
      assert.ok(stats.outputTotalFrames >= sink.frames.length - 1);
      assert.ok(stats.renderTotalFrames >= stats.outputTotalFrames);

      await obs.call('StopVirtualCam');
      assert.equal(sink.closed, 1);
      assert.equal(fx.fanout.attached().length, 0);
    } finally {
      await obs.disconnect();
      await pipeline.stop();
    }
  });
});
