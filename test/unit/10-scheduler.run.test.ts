import assert from 'node:assert/strict';
import { Scheduler } from '../../src/pipeline/scheduler/scheduler.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { setLogSink } from '../../src/log.js';
import { CountingSource, DelayEngine, RecordingCompositor, RecordingSink } from '../helpers/stage-doubles.js';
import { waitUntil } from '../helpers/wait.js';

const format = { width: 32, height: 16, fps: 100 };

function controller(): PipelineController {
  return new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
}

function isIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]);
}

describe('Scheduler#run', function () {
  let restoreLog: (line: string) => void;
  const logLines: string[] = [];
  beforeEach(() => {
    logLines.length = 0;
    restoreLog = setLogSink((l) => logLines.push(l));
  });
  afterEach(() => setLogSink(restoreLog));

  it('delivers frames in capture order, each with its own matte when the model keeps up', async function () {
    const source = new CountingSource(40, 100);
    const engine = new DelayEngine(1);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    const summary = await new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format }).run();
    assert.equal(summary.reason, 'end-of-stream');
    const counters = sink.frames.map((f) => f.counter);
    assert.ok(isIncreasing(counters), `out of order: ${counters}`);
    assert.ok(counters.length >= 36, `only ${counters.length} of 40 frames arrived`);
    const ownMatte = compositor.pairs.filter((p) => p.matte === p.frame).length;
    assert.ok(ownMatte >= compositor.pairs.length - 2, `${ownMatte}/${compositor.pairs.length} frames got their own matte`);
  });

  it('with a slow model keeps video going, lowers matte rate and never exceeds the matte lag', async function () {
    const source = new CountingSource(60, 100); // a frame every 10 ms
    const engine = new DelayEngine(25); // a matte every 25 ms
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, maxMatteLag: 1 });
    await scheduler.run();
    for (const p of compositor.pairs) {
      assert.ok(p.matte !== null && Math.abs(p.frame - p.matte) <= 1, `frame ${p.frame} got matte ${p.matte}`);
    }
    assert.ok(engine.seen.length < 40, `model ran ${engine.seen.length} times for 60 frames`);
    assert.ok(compositor.pairs.length > engine.seen.length, 'more frames than mattes reached the output');
    const m = scheduler.metrics.snapshot();
    assert.equal(m.frames.captured, 60);
    assert.equal(m.frames.output + m.dropped.matte, 60, 'every captured frame is output or counted as dropped');
  });

  it('with a model far slower than the frames and a lag that covers it, never holds video for the model', async function () {
    const source = new CountingSource(60, 100); // a frame every 10 ms
    const engine = new DelayEngine(100); // a matte every 100 ms: 10 frames
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, maxMatteLag: 1000 });
    await scheduler.run();
    const m = scheduler.metrics.snapshot();
    // Only frames before the first matte (about 10) may be lost: waiting for each frame's own
    // matte instead would lose about 7 of every 10.
    assert.equal(m.frames.output + m.dropped.matte, 60);
    assert.ok(m.dropped.matte <= 12, `${m.dropped.matte} frames dropped waiting for the model`);
    assert.ok(compositor.pairs.every((p) => p.matte === null || Math.abs(p.frame - p.matte) <= 1000));
    assert.ok(engine.seen.length <= 10, `the model ran ${engine.seen.length} times`);
  });

  it('with matteLag 0 applies only the exact matte and drops frames that cannot get one', async function () {
    const source = new CountingSource(40, 100);
    const engine = new DelayEngine(25);
    const compositor = new RecordingCompositor();
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [new RecordingSink('a')], controls: controller(), format, maxMatteLag: 0 });
    await scheduler.run();
    assert.ok(compositor.pairs.length > 0);
    for (const p of compositor.pairs) assert.equal(p.matte, p.frame);
    assert.ok(scheduler.metrics.dropped.matte > 0);
  });

  it('a slow sink loses frames while a fast sink gets every frame', async function () {
    const source = new CountingSource(50, 100);
    const fast = new RecordingSink('fast');
    const slow = new RecordingSink('slow', 45);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [fast, slow], controls: controller(), format });
    await scheduler.run();
    assert.equal(fast.frames.length, scheduler.outputFrames);
    assert.ok(slow.frames.length < fast.frames.length / 2, `slow sink got ${slow.frames.length} of ${fast.frames.length}`);
    assert.ok(isIncreasing(slow.frames.map((f) => f.counter)));
    // drop-oldest: the slow sink's last frame is the newest frame output
    assert.equal(slow.frames.at(-1)!.counter, fast.frames.at(-1)!.counter);
    assert.ok(scheduler.metrics.dropped.sink > 0);
  });

  it('a slow lossless sink (a file) gets every output frame, in order, and --frames N means N frames in it', async function () {
    const file = new RecordingSink('file', 25, true); // 25 ms a frame against a frame every 10 ms
    const scheduler = new Scheduler({ source: new CountingSource(null, 100), engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [file], controls: controller(), format, frameLimit: 30 });
    const summary = await scheduler.run();
    assert.equal(summary.outputFrames, 30);
    assert.equal(file.frames.length, 30, 'the file holds exactly the frames output');
    assert.ok(isIncreasing(file.frames.map((f) => f.seq)), 'in order');
  });

  it('stops after --frames N and closes every stage', async function () {
    const source = new CountingSource(null, 200);
    const engine = new DelayEngine(1);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    const summary = await new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, frameLimit: 12 }).run();
    assert.equal(summary.reason, 'frame-limit');
    assert.equal(sink.frames.length, 12);
    assert.ok(sink.closed && compositor.closed && engine.closed);
    assert.equal(source.closed, 1);
  });

  it('stop() ends an endless source promptly and releases everything', async function () {
    const source = new CountingSource(null, 100);
    const engine = new DelayEngine(5);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format });
    const done = scheduler.run();
    await waitUntil(() => sink.frames.length > 3, 'four frames before stop()', { observe: () => `${sink.frames.length} frames` });
    scheduler.stop();
    const summary = await done;
    assert.equal(summary.reason, 'stopped');
    assert.ok(sink.closed && compositor.closed && engine.closed && source.closed === 1);
    const pool = (scheduler as unknown as { pool: { inUse: number } }).pool;
    assert.equal(pool.inUse, 0, 'every pooled frame was released');
  });

  it('shows the disconnected placeholder while the camera is unplugged and resumes when it returns', async function () {
    const source = new CountingSource(null, 100);
    source.failAfter = 5;
    const sink = new RecordingSink('a');
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, reopenDelayMs: 30 });
    const done = scheduler.run();
    await waitUntil(() => sink.frames.some((f) => f.placeholder), 'placeholder frames while the camera is unplugged');
    source.unplugged = false; // replugged
    const lastPlaceholder = () => sink.frames.map((f) => f.placeholder).lastIndexOf(true);
    await waitUntil(() => lastPlaceholder() < sink.frames.length - 3, 'camera frames after the placeholder', {
      observe: () => `${sink.frames.length} frames, the last placeholder at ${lastPlaceholder()}`,
    });
    scheduler.stop();
    await done;
    assert.ok(source.opened >= 2, 'the source was reopened');
    assert.ok(logLines.some((l) => /lost \(device unplugged/.test(l)));
    assert.ok(logLines.some((l) => /is back/.test(l)));
  });

  it('shows the paused frame while paused, and camera frames again after resume', async function () {
    const ctl = controller();
    const sink = new RecordingSink('a');
    const scheduler = new Scheduler({ source: new CountingSource(null, 100), engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [sink], controls: ctl, format });
    const done = scheduler.run();
    await waitUntil(() => sink.frames.some((f) => !f.placeholder), 'a camera frame before pausing');
    await ctl.execute({ type: 'camera.pause' }, 'cli');
    const pausedFrames = () => sink.frames.filter((f) => f.placeholder).length;
    await waitUntil(() => pausedFrames() >= 3, 'three paused frames', { observe: () => `${pausedFrames()} paused frames` });
    await ctl.execute({ type: 'camera.pause', paused: false }, 'cli');
    const framesAtResume = sink.frames.length;
    await waitUntil(() => sink.frames.slice(framesAtResume).some((f) => !f.placeholder), 'a camera frame after resume');
    scheduler.stop();
    await done;
    assert.equal(sink.frames.at(-1)!.placeholder, false);
  });

  it('while nobody watches, pauses the source and the model and keeps sinks alive with a frame a second', async function () {
    const sink = new RecordingSink('a');
    sink.consumers = false;
    const source = new CountingSource(null, 200);
    const engine = new DelayEngine(1);
    const scheduler = new Scheduler({ source, engine, compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, idleGraceMs: 0, keepAliveMs: 40 });
    const done = scheduler.run();
    await waitUntil(() => sink.frames.length >= 3, 'three keep-alive frames');
    assert.equal(engine.seen.length, 0, 'the model ran while nobody watched');
    assert.equal(source.paused, 1, 'the source was paused once');
    assert.ok(sink.frames.every((f) => f.placeholder), 'keep-alive frames are the "starting" picture before any real frame');
    assert.equal(scheduler.metrics.frames.output, 0, 'keep-alive frames are not counted as output');
    assert.ok(scheduler.metrics.frames.keepAlive >= 3);
    sink.consumers = true;
    await waitUntil(() => sink.frames.some((f) => !f.placeholder), 'a camera frame after a reader came');
    assert.ok(engine.seen.length > 0, 'the model runs again');
    scheduler.stop();
    await done;
  });

  it('keeps working through a short absence of readers (grace period), then idles with the last picture', async function () {
    const sink = new RecordingSink('a');
    const source = new CountingSource(null, 200);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, idleGraceMs: 150, keepAliveMs: 20 });
    const done = scheduler.run();
    await waitUntil(() => sink.frames.length >= 3, 'three camera frames');
    sink.consumers = false;
    const framesAtLeave = sink.frames.length;
    await waitUntil(() => source.paused === 1, 'the source to pause after the grace period');
    sink.consumers = true;
    // The sink is watched again at once; what it got while idle was the last camera picture.
    const idleFrames = sink.frames.slice(framesAtLeave);
    assert.ok(idleFrames.every((f) => !f.placeholder), 'keep-alive repeats the last picture, not a placeholder');
    await waitUntil(() => sink.frames.length > framesAtLeave + idleFrames.length + 3, 'camera frames after the pause');
    scheduler.stop();
    await done;
  });

  it('passes frames through without a matte when the model keeps failing, logging once', async function () {
    const engine = new DelayEngine(1);
    engine.failing = true;
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a');
    await new Scheduler({ source: new CountingSource(20, 100), engine, compositor, sinks: [sink], controls: controller(), format }).run();
    assert.ok(sink.frames.length >= 15);
    assert.ok(compositor.pairs.every((p) => p.matte === null));
    assert.equal(logLines.filter((l) => /matte failed/.test(l)).length, 1);
  });

  it('writes to sinks attached at run time', async function () {
    const ctl = controller();
    const late = new RecordingSink('late');
    const first = new RecordingSink('a');
    const scheduler = new Scheduler({ source: new CountingSource(null, 100), engine: new DelayEngine(1), compositor: new RecordingCompositor(), sinks: [first], controls: ctl, format });
    const done = scheduler.run();
    await waitUntil(() => first.frames.length > 0, 'the first frame');
    scheduler.fanout.attach(late);
    await waitUntil(() => late.frames.length > 2, 'three frames in the sink attached at run time');
    scheduler.fanout.detach(late);
    const count = late.frames.length;
    const firstCount = first.frames.length;
    await waitUntil(() => first.frames.length > firstCount + 3, 'more frames after the detach');
    scheduler.stop();
    await done;
    assert.equal(late.frames.length, count, 'no frames after detach');
  });
});

describe('Scheduler#run with an unpaced source', function () {
  it('reaches the frame limit with a source that never waits, the model still running', async function () {
    const { SyntheticSource } = await import('../../src/pipeline/source/synthetic-source.js');
    const engine = new DelayEngine(3);
    const sink = new RecordingSink('a');
    const ctl = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
    const summary = await new Scheduler({ source: new SyntheticSource(false), engine, compositor: new RecordingCompositor(), sinks: [sink], controls: ctl, format: { width: 64, height: 32, fps: 30 }, maxMatteLag: 0, frameLimit: 20 }).run();
    assert.equal(summary.reason, 'frame-limit');
    assert.ok(engine.seen.length >= 20);
  });
});
