import type { Frame, Matte, OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSource } from '../source/frame-source.js';
import type { MatteEngine } from '../matte/matte-engine.js';
import type { Compositor } from '../composite/compositor.js';
import type { FrameSink } from '../sink/frame-sink.js';
import type { FilterInstance } from '../filter-settings/filter-catalogue.js';
import { FramePool } from '../frame-pool.js';
import { nowMs } from '../frame.js';
import { PipelineMetrics } from './metrics.js';
import { IdlePolicy } from './idle-policy.js';
import { HoldPolicy } from './hold-policy.js';
import { PlaceholderFrames, PlaceholderKind } from './placeholder.js';
import { SinkFanout } from './sink-fanout.js';
import { SourceReader } from './source-reader.js';
import { decideMatte } from './matte-decision.js';
import { realClock, type Clock } from './clock.js';
import { errorMessage } from '../../util/error-message.js';
import { logger } from '../../log.js';

const log = logger('scheduler');

/** How often an idle pipeline looks for a consumer; the cost of waking up is negligible. */
const WATCH_POLL_MS = 100;

/** What the scheduler reads from the controller every frame (PipelineController implements it). */
export interface SchedulerControls {
  /** The filter chain in order; the compositor applies the enabled ones. */
  chain(): readonly FilterInstance[];
  /** Paused: frames are still read (a camera's queue stays short) but a placeholder goes out. */
  readonly paused: boolean;
}

export interface SchedulerOptions {
  source: FrameSource;
  /** null runs without a model: every frame passes through the filters' "no face" path. */
  engine: MatteEngine | null;
  compositor: Compositor;
  /** Sinks given at start; the scheduler opens and closes them. */
  sinks: FrameSink[];
  controls: SchedulerControls;
  /** Where frames go; sinks can be attached to it while running (default: a fan-out of its own). */
  fanout?: SinkFanout;
  /** The format asked of the source; the source may deliver another (see `format`). */
  format: VideoFormat;
  /**
   * How many frames apart a matte and the frame it is applied to may be. 1 (default): a frame
   * uses its own matte when one is coming, else its neighbour's; larger values trade accuracy on
   * fast motion for video fps with a slow model.
   */
  maxMatteLag?: number;
  /** Frames waiting for their matte (default 2); when full the oldest is dropped. */
  queueDepth?: number;
  /** Stop after this many frames reached the sinks. */
  frameLimit?: number;
  /** How long to wait between attempts to reopen a failed source. */
  reopenDelayMs?: number;
  /** How long nobody must watch before capture and inference pause (default 2000 ms). */
  idleGraceMs?: number;
  /** While paused so, how often sinks nobody watches get a keep-alive frame (default 1000 ms). */
  keepAliveMs?: number;
  /**
   * While someone watches, the longest a sink goes without a frame: after that the last picture
   * is sent again (default 400 ms; hold-policy.ts says why). Files never get repeats.
   */
  holdMs?: number;
  metrics?: PipelineMetrics;
  /** Time for the scheduler's own decisions (default: the real clock; tests pass a fake one). */
  clock?: Clock;
}

export interface RunSummary {
  reason: 'end-of-stream' | 'frame-limit' | 'stopped' | 'source-failed';
  outputFrames: number;
  format: VideoFormat;
}

/**
 * Moves frames source -> matte -> composite -> sinks with capture, inference and output
 * decoupled (docs/pipeline.md). The parts: SourceReader reads and rides out a lost camera,
 * decideMatte picks each frame's matte, SinkFanout hands frames to every sink, IdlePolicy says
 * when nobody watches, HoldPolicy when a watcher is due the last picture again. This class runs
 * the loops that tie them:
 * - capture runs at the source's pace into pooled buffers; a full pool drops the new frame;
 * - the matte stage always works on the newest frame, so a slow model lowers matte fps only;
 * - a frame is composited with its own matte when one is coming, else with a matte at most
 *   `maxMatteLag` frames away; frames waiting for a matte are bounded (drop-oldest);
 * - every sink has a one-frame mailbox (drop-oldest); none can stall the others, except a
 *   lossless one (a file), which gets a short queue and holds capture back when it is full;
 * - when nobody watches, capture and inference pause and sinks get a keep-alive frame a second,
 *   so a virtual camera stays discoverable;
 * - while someone watches, no sink goes holdMs without a frame (the last picture again), so a
 *   consumer does not give up on a camera that is reopening or stalled.
 */
export class Scheduler {
  readonly metrics: PipelineMetrics;
  /** Every sink frames go to; attach more while running (web preview, OBS stream). */
  readonly fanout: SinkFanout;
  private readonly clock: Clock;
  private readonly reader: SourceReader;
  private readonly maxLag: number;
  private readonly depth: number;
  private formatInUse: VideoFormat;
  private pool: FramePool | null = null;
  private scratch: Uint8Array | null = null;
  private placeholders: PlaceholderFrames | null = null;
  private readonly idle: IdlePolicy;
  private readonly hold: HoldPolicy;
  private lastOutput: OutputFrame | null = null;

  private readonly pending: Frame[] = [];
  private matteSlot: Frame | null = null;
  private matteInFlight: number | null = null;
  private matteIdle: Promise<void> = Promise.resolve();
  private latestMatte: Matte | null = null;
  private matteErrors = 0;
  private compositeErrors = 0;

  private nextSeq = 0;
  private outputCount = 0;
  private stopReason: RunSummary['reason'] | null = null;
  /** Aborted once the run is to end: every wait of the loop returns at once. */
  private readonly ending = new AbortController();

  constructor(private readonly options: SchedulerOptions) {
    this.metrics = options.metrics ?? new PipelineMetrics();
    this.fanout = options.fanout ?? new SinkFanout(this.metrics);
    this.clock = options.clock ?? realClock;
    this.maxLag = options.maxMatteLag ?? 1;
    this.depth = options.queueDepth ?? 2;
    this.formatInUse = { ...options.format };
    this.idle = new IdlePolicy(options.idleGraceMs ?? 2000, options.keepAliveMs ?? 1000);
    this.hold = new HoldPolicy(options.holdMs ?? 400);
    if (!Number.isInteger(this.maxLag) || this.maxLag < 0) throw new RangeError('maxMatteLag must be an integer >= 0');
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError('queueDepth must be an integer >= 1');
    this.reader = new SourceReader(
      options.source,
      { clock: this.clock, signal: this.ending.signal, showDisconnected: () => this.emitPlaceholder('disconnected', nowMs()) },
      options.reopenDelayMs,
    );
  }

  /** The format really flowing (known once run() opened the source). */
  get format(): VideoFormat {
    return this.formatInUse;
  }

  get outputFrames(): number {
    return this.outputCount;
  }

  /** Asks run() to finish: capture stops, work in flight completes, everything is closed. */
  stop(): void {
    this.finish('stopped');
  }

  /** Opens every stage, runs until the stream ends, the frame limit or stop(), then closes all. */
  async run(): Promise<RunSummary> {
    const { source, compositor, sinks } = this.options;
    try {
      this.formatInUse = await source.open(this.options.format);
      const { width, height } = this.formatInUse;
      log.info(`${source.description}: ${width}x${height} @ ${this.formatInUse.fps} fps`);
      this.pool = new FramePool(width, height, this.depth + 3);
      this.scratch = new Uint8Array(width * height * 4);
      this.placeholders = new PlaceholderFrames(width, height);
      await compositor.open(this.formatInUse);
      await this.fanout.open(sinks, this.formatInUse);
      // A virtual camera is discoverable only once a frame was written to it: do not make it
      // wait for the first capture and inference.
      this.sendKeepAlive(this.placeholders.get('starting'));
      const holding = this.holdLoop();
      await this.captureLoop();
      await holding;
      return { reason: this.stopReason ?? 'stopped', outputFrames: this.outputCount, format: this.formatInUse };
    } finally {
      await this.shutdown();
    }
  }

  private finish(reason: RunSummary['reason']): void {
    this.stopReason ??= reason;
    this.ending.abort();
  }

  private async captureLoop(): Promise<void> {
    const { controls } = this.options;
    while (this.stopReason === null) {
      if (this.idle.update(this.fanout.anyConsumers(), this.clock.now())) {
        await this.idleUntilWatched();
        continue;
      }
      await this.fanout.room();
      if (this.stopReason !== null) break;
      if (controls.paused) {
        const read = await this.read(this.scratch!);
        if (read === 'end') break;
        if (read !== 'again') this.emitPlaceholder('paused', read);
        continue;
      }
      const seq = this.nextSeq;
      const frame = this.pool!.acquire(seq, 0);
      if (!frame) {
        // Every buffer is held downstream: read to keep the camera's queue short, then drop.
        const read = await this.read(this.scratch!);
        if (read === 'end') break;
        if (read !== 'again') this.metrics.dropped.capture++;
        // Let the stages holding the buffers run before trying again.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const read = await this.read(frame.rgba);
      if (read === 'end' || read === 'again') {
        frame.release();
        if (read === 'end') break;
        continue;
      }
      frame.captureMs = read;
      this.nextSeq++;
      this.metrics.frames.captured++;
      this.metrics.latency.capture.record(Math.max(0, nowMs() - read));
      this.enqueue(frame);
    }
    this.finish('end-of-stream');
    await this.finishPending();
  }

  /** One read: the capture time, 'again' after a recovered failure, or 'end' (and why, in stopReason). */
  private async read(target: Uint8Array): Promise<number | 'again' | 'end'> {
    const result = await this.reader.read(target, this.formatInUse);
    switch (result.kind) {
      case 'frame':
        return result.captureMs;
      case 'recovered':
        return this.stopReason === null ? 'again' : 'end';
      case 'failed':
        this.finish('source-failed');
        return 'end';
      case 'end-of-stream':
      case 'stopped':
        return 'end';
    }
  }

  /**
   * Nobody watches: frames waiting are dropped, the source pauses (a camera is released, so its
   * light goes off) and sinks nobody watches get the last picture once a second, until someone
   * watches again or the run stops.
   */
  private async idleUntilWatched(): Promise<void> {
    log.info('nobody is watching: capture and inference paused; sinks nobody watches get a frame a second');
    for (const frame of this.pending.splice(0)) frame.release();
    this.matteSlot?.release();
    this.matteSlot = null;
    // Copied now: the compositor reuses its output buffer for the next frame.
    const picture = this.lastPicture().rgba.slice();
    await this.reader.pause();
    while (this.stopReason === null && this.idle.update(this.fanout.anyConsumers(), this.clock.now())) {
      if (this.idle.keepAliveDue(this.clock.now())) this.sendKeepAlive(picture);
      await this.clock.sleep(WATCH_POLL_MS, this.ending.signal);
    }
    if (this.stopReason === null) log.info('watched again: capture resumed');
  }

  /**
   * Runs beside the capture loop until the run ends: while anyone watches and the pipeline is
   * not idle, a sink that has had no frame for holdMs gets the last picture again.
   */
  private async holdLoop(): Promise<void> {
    this.hold.sent(this.clock.now());
    while (this.stopReason === null) {
      const wait = this.hold.dueAt() - this.clock.now();
      await this.clock.sleep(wait > 0 ? wait : this.hold.holdMs, this.ending.signal);
      if (this.stopReason !== null || this.idle.idle) continue;
      const now = this.clock.now();
      if (this.hold.repeatDue(this.fanout.anyConsumers(), now)) this.sendRepeat(now);
    }
  }

  /** The last picture again, with its seq; not output. */
  private sendRepeat(now: number): void {
    this.fanout.offerRepeat(this.lastPicture());
    this.hold.sent(now);
    this.metrics.frames.repeated++;
  }

  /** The last frame output in the format in use, or the "starting" picture before any. */
  private lastPicture(): OutputFrame {
    const { width, height } = this.formatInUse;
    const last = this.lastOutput;
    if (last && last.width === width && last.height === height) return last;
    return { seq: this.nextSeq - 1, captureMs: nowMs(), width, height, rgba: this.placeholders!.get('starting') };
  }

  /** One frame for the sinks nobody watches; not counted as output. */
  private sendKeepAlive(rgba: Uint8Array): void {
    const { width, height } = this.formatInUse;
    this.fanout.offerUnwatched({ seq: this.nextSeq++, captureMs: nowMs(), width, height, rgba });
    this.metrics.frames.keepAlive++;
  }

  private enqueue(frame: Frame): void {
    // The frame whose matte is being made belongs to the matte stage; the others wait in a
    // queue of `depth` frames, oldest dropped first.
    const inMatteStage = this.pending.findIndex((f) => f.seq === this.matteInFlight);
    if (this.pending.length - (inMatteStage >= 0 ? 1 : 0) >= this.depth) {
      const victim = inMatteStage === 0 ? 1 : 0;
      this.pending.splice(victim, 1)[0].release();
      this.metrics.dropped.matte++;
    }
    this.pending.push(frame);
    if (this.options.engine) {
      this.matteSlot?.release();
      this.matteSlot = frame.retain();
      this.pumpMatte();
    }
    this.pumpComposite();
  }

  private pumpMatte(): void {
    const engine = this.options.engine;
    if (!engine || this.matteInFlight !== null || !this.matteSlot) return;
    const frame = this.matteSlot;
    this.matteSlot = null;
    this.matteInFlight = frame.seq;
    const started = nowMs();
    this.matteIdle = engine.run(frame).then(
      (matte) => {
        this.latestMatte = matte;
        this.matteErrors = 0;
        const end = nowMs();
        this.metrics.latency.matte.record(end - started);
        this.metrics.markMatte(end);
      },
      (err: unknown) => {
        // Rate-limited: a broken model must not flood the log at 30 fps.
        if (this.matteErrors++ % 100 === 0) log.error(`matte failed for frame ${frame.seq}: ${errorMessage(err)}`);
      },
    ).finally(() => {
      frame.release();
      this.matteInFlight = null;
      this.pumpComposite();
      this.pumpMatte();
    });
  }

  private pumpComposite(): void {
    while (this.pending.length > 0 && this.stopReason !== 'frame-limit') {
      const frame = this.pending[0];
      const decision = decideMatte(frame.seq, {
        hasEngine: this.options.engine !== null,
        inFlight: this.matteInFlight,
        waiting: this.matteSlot?.seq ?? null,
        latest: this.latestMatte,
        maxLag: this.maxLag,
        failing: this.matteErrors > 0,
      });
      if (decision === 'wait') return;
      this.pending.shift();
      if (decision === 'drop') {
        this.metrics.dropped.matte++;
      } else {
        this.compositeAndSend(frame, decision.matte);
      }
      frame.release();
    }
  }

  private compositeAndSend(frame: Frame, matte: Matte | null): void {
    const started = nowMs();
    let out: OutputFrame;
    try {
      out = this.options.compositor.composite(frame, matte, this.options.controls.chain());
    } catch (err) {
      // A GL failure loses this frame, not the camera; logged once per burst of failures.
      if (this.compositeErrors++ % 100 === 0) log.error(`compositing frame ${frame.seq} failed: ${errorMessage(err)}`);
      this.metrics.dropped.composite++;
      return;
    }
    this.compositeErrors = 0;
    this.metrics.latency.composite.record(nowMs() - started);
    this.send(out);
  }

  private emitPlaceholder(kind: PlaceholderKind, captureMs: number): void {
    const { width, height } = this.formatInUse;
    this.send({ seq: this.nextSeq++, captureMs, width, height, rgba: this.placeholders!.get(kind) });
  }

  private send(frame: OutputFrame): void {
    this.fanout.offer(frame);
    this.lastOutput = frame;
    this.hold.sent(this.clock.now());
    const now = nowMs();
    this.metrics.latency.total.record(now - frame.captureMs);
    this.metrics.markOutput(now);
    this.outputCount++;
    const limit = this.options.frameLimit;
    if (limit !== undefined && this.outputCount >= limit) this.finish('frame-limit');
  }

  /** At the end of a stream, frames still waiting get their mattes; on stop they are dropped. */
  private async finishPending(): Promise<void> {
    while (this.stopReason === 'end-of-stream' && this.pending.length > 0) {
      const before = this.pending.length;
      await this.matteIdle;
      this.pumpComposite();
      if (this.pending.length === before && this.matteInFlight === null && this.matteSlot === null) break;
    }
  }

  private async shutdown(): Promise<void> {
    this.ending.abort();
    await this.matteIdle.catch(() => {});
    for (const frame of this.pending.splice(0)) frame.release();
    this.matteSlot?.release();
    this.matteSlot = null;
    const { source, compositor, engine } = this.options;
    await this.fanout.close();
    const closeQuietly = async (what: string, close: () => Promise<void>) => {
      try {
        await close();
      } catch (err) {
        log.warn(`closing ${what}: ${errorMessage(err)}`);
      }
    };
    await closeQuietly('compositor', () => compositor.close());
    if (engine) await closeQuietly('matte engine', () => engine.close());
    await closeQuietly(source.description, () => source.close());
  }
}
