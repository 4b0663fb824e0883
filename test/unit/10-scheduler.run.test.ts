import assert from 'node:assert/strict';
import { Scheduler } from '../../src/pipeline/scheduler/scheduler.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { setLogSink } from '../../src/log.js';
import { CountingSource, DelayEngine, RecordingCompositor, RecordingSink } from '../helpers/stage-doubles.js';
import { FakeClock } from '../helpers/fake-clock.js';

const format = { width: 32, height: 16, fps: 100 };

function controller(): PipelineController {
  return new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
}

function isIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]);
}

// The scheduler and its stage doubles run on a FakeClock: virtual time moves only when every
// stage waits, so the counts below follow from the stages' timings, not from the machine's load.
describe('Scheduler#run', function () {
  let restoreLog: (line: string) => void;
  const logLines: string[] = [];
  let clock: FakeClock;
  beforeEach(() => {
    logLines.length = 0;
    restoreLog = setLogSink((l) => logLines.push(l));
    clock = new FakeClock();
  });
  afterEach(() => setLogSink(restoreLog));

  it('delivers frames in capture order, each with its own matte when the model keeps up', async function () {
    const source = new CountingSource(40, 100, clock);
    const engine = new DelayEngine(1, clock);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    const summary = await clock.run(new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, clock }).run());
    assert.equal(summary.reason, 'end-of-stream');
    const counters = sink.frames.map((f) => f.counter);
    assert.ok(isIncreasing(counters), `out of order: ${counters}`);
    assert.equal(counters.length, 40, 'every frame arrived');
    const ownMatte = compositor.pairs.filter((p) => p.matte === p.frame).length;
    assert.equal(ownMatte, 40, 'every frame got its own matte');
  });

  it('with a slow model keeps video going, lowers matte rate and never exceeds the matte lag', async function () {
    const source = new CountingSource(60, 100, clock); // a frame every 10 ms
    const engine = new DelayEngine(25, clock); // a matte every 25 ms
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, clock, maxMatteLag: 1 });
    await clock.run(scheduler.run());
    for (const p of compositor.pairs) {
      assert.ok(p.matte !== null && Math.abs(p.frame - p.matte) <= 1, `frame ${p.frame} got matte ${p.matte}`);
    }
    // 600 ms of video at a matte every 25 ms: the model runs 24-25 times, not 60.
    assert.ok(engine.seen.length <= 25, `model ran ${engine.seen.length} times for 60 frames`);
    assert.ok(compositor.pairs.length > engine.seen.length, 'more frames than mattes reached the output');
    const m = scheduler.metrics.snapshot();
    assert.equal(m.frames.captured, 60);
    assert.equal(m.frames.output + m.dropped.matte, 60, 'every captured frame is output or counted as dropped');
  });

  it('with a model far slower than the frames and a lag that covers it, never holds video for the model', async function () {
    const source = new CountingSource(60, 100, clock); // a frame every 10 ms
    const engine = new DelayEngine(100, clock); // a matte every 100 ms: 10 frames
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, clock, maxMatteLag: 1000 });
    await clock.run(scheduler.run());
    const m = scheduler.metrics.snapshot();
    // Only frames before the first matte (about 10) may be lost: waiting for each frame's own
    // matte instead would lose about 7 of every 10.
    assert.equal(m.frames.output + m.dropped.matte, 60);
    assert.ok(m.dropped.matte <= 12, `${m.dropped.matte} frames dropped waiting for the model`);
    assert.ok(compositor.pairs.every((p) => p.matte === null || Math.abs(p.frame - p.matte) <= 1000));
    assert.ok(engine.seen.length <= 10, `the model ran ${engine.seen.length} times`);
  });

  it('with matteLag 0 applies only the exact matte and drops frames that cannot get one', async function () {
    const source = new CountingSource(40, 100, clock);
    const engine = new DelayEngine(25, clock);
    const compositor = new RecordingCompositor();
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [new RecordingSink('a', 0, false, clock)], controls: controller(), format, clock, maxMatteLag: 0 });
    await clock.run(scheduler.run());
    assert.ok(compositor.pairs.length > 0);
    for (const p of compositor.pairs) assert.equal(p.matte, p.frame);
    assert.ok(scheduler.metrics.dropped.matte > 0);
  });

  it('a slow sink loses frames while a fast sink gets every frame', async function () {
    const source = new CountingSource(50, 100, clock);
    const fast = new RecordingSink('fast', 0, false, clock);
    const slow = new RecordingSink('slow', 45, false, clock);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [fast, slow], controls: controller(), format, clock });
    await clock.run(scheduler.run());
    assert.equal(fast.frames.length, scheduler.outputFrames);
    // 500 ms of video at 45 ms a write: at most 12 frames, plus the one written at the start.
    assert.ok(slow.frames.length <= 13, `slow sink got ${slow.frames.length} of ${fast.frames.length}`);
    assert.ok(isIncreasing(slow.frames.map((f) => f.counter)));
    // drop-oldest: the slow sink's last frame is the newest frame output
    assert.equal(slow.frames.at(-1)!.counter, fast.frames.at(-1)!.counter);
    assert.ok(scheduler.metrics.dropped.sink > 0);
  });

  it('a slow lossless sink (a file) gets every output frame, in order, and --frames N means N frames in it', async function () {
    const file = new RecordingSink('file', 25, true, clock); // 25 ms a frame against a frame every 10 ms
    const scheduler = new Scheduler({ source: new CountingSource(null, 100, clock), engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [file], controls: controller(), format, clock, frameLimit: 30 });
    const summary = await clock.run(scheduler.run());
    assert.equal(summary.outputFrames, 30);
    assert.equal(file.frames.length, 30, 'the file holds exactly the frames output');
    assert.ok(isIncreasing(file.frames.map((f) => f.seq)), 'in order');
  });

  it('stops after --frames N and closes every stage', async function () {
    const source = new CountingSource(null, 200, clock);
    const engine = new DelayEngine(1, clock);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    const summary = await clock.run(new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, clock, frameLimit: 12 }).run());
    assert.equal(summary.reason, 'frame-limit');
    assert.equal(sink.frames.length, 12);
    assert.ok(sink.closed && compositor.closed && engine.closed);
    assert.equal(source.closed, 1);
  });

  it('stop() ends an endless source promptly and releases everything', async function () {
    const source = new CountingSource(null, 100, clock);
    const engine = new DelayEngine(5, clock);
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    const scheduler = new Scheduler({ source, engine, compositor, sinks: [sink], controls: controller(), format, clock });
    const done = scheduler.run();
    await clock.advance(150);
    scheduler.stop();
    const summary = await clock.run(done);
    assert.equal(summary.reason, 'stopped');
    assert.ok(sink.frames.length > 3);
    assert.ok(sink.closed && compositor.closed && engine.closed && source.closed === 1);
    const pool = (scheduler as unknown as { pool: { inUse: number } }).pool;
    assert.equal(pool.inUse, 0, 'every pooled frame was released');
  });

  it('shows the disconnected placeholder while the camera is unplugged and resumes when it returns', async function () {
    const source = new CountingSource(null, 100, clock);
    source.failAfter = 5;
    const sink = new RecordingSink('a', 0, false, clock);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, clock, reopenDelayMs: 30 });
    const done = scheduler.run();
    await clock.advance(200);
    assert.ok(sink.frames.some((f) => f.placeholder), 'placeholder frames were shown');
    source.unplugged = false; // replugged
    await clock.advance(200);
    scheduler.stop();
    await clock.run(done);
    const lastPlaceholder = sink.frames.map((f) => f.placeholder).lastIndexOf(true);
    assert.ok(lastPlaceholder < sink.frames.length - 3, 'camera frames came back after the placeholder');
    assert.ok(source.opened >= 2, 'the source was reopened');
    assert.ok(logLines.some((l) => /lost \(device unplugged/.test(l)));
    assert.ok(logLines.some((l) => /is back/.test(l)));
  });

  it('shows the paused frame while paused, and camera frames again after resume', async function () {
    const ctl = controller();
    const sink = new RecordingSink('a', 0, false, clock);
    const scheduler = new Scheduler({ source: new CountingSource(null, 100, clock), engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [sink], controls: ctl, format, clock });
    const done = scheduler.run();
    await clock.advance(80);
    await ctl.execute({ type: 'camera.pause' }, 'cli');
    await clock.advance(80);
    const pausedFrames = sink.frames.filter((f) => f.placeholder).length;
    await ctl.execute({ type: 'camera.pause', paused: false }, 'cli');
    await clock.advance(80);
    scheduler.stop();
    await clock.run(done);
    assert.ok(pausedFrames >= 3, `${pausedFrames} paused frames`);
    assert.equal(sink.frames.at(-1)!.placeholder, false);
  });

  it('while nobody watches, pauses the source and the model and keeps sinks alive with a frame a second', async function () {
    const sink = new RecordingSink('a', 0, false, clock);
    sink.consumers = false;
    const source = new CountingSource(null, 200, clock);
    const engine = new DelayEngine(1, clock);
    const scheduler = new Scheduler({ source, engine, compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, clock, idleGraceMs: 0, keepAliveMs: 40 });
    const done = scheduler.run();
    await clock.until(() => sink.frames.length >= 3, 'three keep-alive frames');
    assert.equal(engine.seen.length, 0, 'the model ran while nobody watched');
    assert.equal(source.paused, 1, 'the source was paused once');
    assert.ok(sink.frames.every((f) => f.placeholder), 'keep-alive frames are the "starting" picture before any real frame');
    assert.equal(scheduler.metrics.frames.output, 0, 'keep-alive frames are not counted as output');
    assert.ok(scheduler.metrics.frames.keepAlive >= 3);
    sink.consumers = true;
    await clock.until(() => sink.frames.some((f) => !f.placeholder), 'a camera frame after a reader came');
    assert.ok(engine.seen.length > 0, 'the model runs again');
    scheduler.stop();
    await clock.run(done);
  });

  it('keeps working through a short absence of readers (grace period), then idles with the last picture', async function () {
    const sink = new RecordingSink('a', 0, false, clock);
    const source = new CountingSource(null, 200, clock);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, clock, idleGraceMs: 150, keepAliveMs: 20 });
    const done = scheduler.run();
    await clock.until(() => sink.frames.length >= 3, 'three camera frames');
    sink.consumers = false;
    const framesAtLeave = sink.frames.length;
    await clock.until(() => source.paused === 1, 'the source to pause after the grace period');
    sink.consumers = true;
    // The sink is watched again at once; what it got while idle was the last camera picture.
    const idleFrames = sink.frames.slice(framesAtLeave);
    assert.ok(idleFrames.every((f) => !f.placeholder), 'keep-alive repeats the last picture, not a placeholder');
    await clock.until(() => sink.frames.length > framesAtLeave + idleFrames.length + 3, 'camera frames after the pause');
    scheduler.stop();
    await clock.run(done);
  });

  it('while watched, sends the last picture again every holdMs through a camera stall; a file gets no repeat', async function () {
    const source = new CountingSource(30, 100, clock);
    source.stall = { before: 10, ms: 1000 };
    const sink = new RecordingSink('a', 0, false, clock);
    const file = new RecordingSink('file', 0, true, clock);
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [sink, file], controls: controller(), format, clock, holdMs: 400 });
    await clock.run(scheduler.run());
    const counters = (s: RecordingSink) => s.frames.filter((f) => !f.placeholder).map((f) => f.counter);
    const every = Array.from({ length: 30 }, (_, i) => i);
    assert.deepEqual(counters(file), every, 'the file: each camera frame once');
    assert.deepEqual(counters(sink), [...every.slice(0, 10), 9, 9, ...every.slice(10)], 'the watched sink: frame 9 twice more while the camera stalled 1 s');
    const repeats = sink.frames.filter((f, i) => i > 0 && f.counter === 9 && sink.frames[i - 1].counter === 9);
    assert.deepEqual(repeats.map((f) => f.at - sink.frames.find((g) => g.counter === 9)!.at), [400, 800], 'one every holdMs after the last frame');
    assert.equal(scheduler.metrics.frames.repeated, 2);
    assert.equal(scheduler.metrics.frames.output, 30, 'repeats are not output');
  });

  it('when watched again after idling, holds the picture every holdMs while the camera reopens (Chromium gives up after 10 s without a frame)', async function () {
    const sink = new RecordingSink('a', 0, false, clock);
    sink.consumers = false;
    const source = new CountingSource(null, 100, clock);
    source.resumeDelayMs = 3000;
    const scheduler = new Scheduler({ source, engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [sink], controls: controller(), format, clock, idleGraceMs: 0, keepAliveMs: 1000, holdMs: 400 });
    const done = scheduler.run();
    await clock.until(() => source.paused === 1, 'the source to pause');
    await clock.advance(2500);
    const watchedFrom = clock.now();
    sink.consumers = true;
    await clock.until(() => sink.frames.some((f) => !f.placeholder), 'a camera frame once the camera reopened');
    const firstCamera = sink.frames.findIndex((f) => !f.placeholder);
    const times = [watchedFrom, ...sink.frames.filter((f) => f.at >= watchedFrom).map((f) => f.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(Math.max(...gaps) <= 400, `no gap longer than holdMs while watched: ${gaps.join(', ')} ms`);
    assert.ok(sink.frames.slice(0, firstCamera).filter((f) => f.at >= watchedFrom).length >= 7, 'the "starting" picture held through the 3 s reopen');
    assert.ok(scheduler.metrics.frames.repeated >= 7);
    scheduler.stop();
    await clock.run(done);
  });

  it('passes frames through without a matte when the model keeps failing, logging once', async function () {
    const engine = new DelayEngine(1, clock);
    engine.failing = true;
    const compositor = new RecordingCompositor();
    const sink = new RecordingSink('a', 0, false, clock);
    await clock.run(new Scheduler({ source: new CountingSource(20, 100, clock), engine, compositor, sinks: [sink], controls: controller(), format, clock }).run());
    assert.ok(sink.frames.length >= 15);
    assert.ok(compositor.pairs.every((p) => p.matte === null));
    assert.equal(logLines.filter((l) => /matte failed/.test(l)).length, 1);
  });

  it('writes to sinks attached at run time', async function () {
    const ctl = controller();
    const late = new RecordingSink('late', 0, false, clock);
    const scheduler = new Scheduler({ source: new CountingSource(null, 100, clock), engine: new DelayEngine(1, clock), compositor: new RecordingCompositor(), sinks: [new RecordingSink('a', 0, false, clock)], controls: ctl, format, clock });
    const done = scheduler.run();
    await clock.advance(60);
    scheduler.fanout.attach(late);
    await clock.advance(80);
    scheduler.fanout.detach(late);
    const count = late.frames.length;
    await clock.advance(60);
    scheduler.stop();
    await clock.run(done);
    assert.ok(count > 2);
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
