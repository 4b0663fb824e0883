import type { Frame, Matte, OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSource } from '../source/frame-source.js';
import type { MatteEngine } from '../matte/matte-engine.js';
import type { Compositor } from '../composite/compositor.js';
import type { FrameSink } from '../sink/frame-sink.js';
import type { PipelineController } from '../control/pipeline-controller.js';
import { FramePool } from '../frame-pool.js';
import { nowMs } from '../frame.js';
import { SourceFault } from '../source/frame-source.js';
import { PipelineMetrics } from './metrics.js';
import { IdlePolicy } from './idle-policy.js';
import { PlaceholderFrames, PlaceholderKind } from './placeholder.js';
import { SinkMailbox } from './sink-mailbox.js';
import { logger } from '../../log.js';

const log = logger('scheduler');

/** How often an idle pipeline looks for a consumer; the cost of waking up is negligible. */
const WATCH_POLL_MS = 100;

export interface SchedulerOptions {
  source: FrameSource;
  /** null runs without a model: every frame passes through the filters' "no face" path. */
  engine: MatteEngine | null;
  compositor: Compositor;
  /** Sinks given at start; the scheduler opens and closes them. */
  sinks: FrameSink[];
  controller: PipelineController;
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
  metrics?: PipelineMetrics;
}

export interface RunSummary {
  reason: 'end-of-stream' | 'frame-limit' | 'stopped' | 'source-failed';
  outputFrames: number;
  format: VideoFormat;
}

type MatteDecision = 'wait' | 'drop' | { matte: Matte | null };

/**
 * Moves frames source -> matte -> composite -> sinks with capture, inference and output
 * decoupled (docs/pipeline.md):
 * - capture runs at the source's pace into pooled buffers; a full pool drops the new frame;
 * - the matte stage always works on the newest frame, so a slow model lowers matte fps only;
 * - a frame is composited with its own matte when one is coming, else with a matte at most
 *   `maxMatteLag` frames away; frames waiting for a matte are bounded (drop-oldest);
 * - every sink has a one-frame mailbox (drop-oldest); none can stall the others, except a
 *   lossless one (a file), which gets a short queue and holds capture back when it is full;
 * - when nobody watches, capture and inference pause and sinks get a keep-alive frame a second,
 *   so a virtual camera stays discoverable (IdlePolicy).
 */
export class Scheduler {
  readonly metrics: PipelineMetrics;
  private readonly maxLag: number;
  private readonly depth: number;
  private formatInUse: VideoFormat;
  private pool: FramePool | null = null;
  private scratch: Uint8Array | null = null;
  private placeholders: PlaceholderFrames | null = null;
  private readonly mailboxes = new Map<FrameSink, SinkMailbox>();
  private readonly attachedMailboxes = new Map<FrameSink, SinkMailbox>();
  private readonly idle: IdlePolicy;
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
  private wake: (() => void) | null = null;

  constructor(private readonly options: SchedulerOptions) {
    this.metrics = options.metrics ?? new PipelineMetrics();
    this.maxLag = options.maxMatteLag ?? 1;
    this.depth = options.queueDepth ?? 2;
    this.formatInUse = { ...options.format };
    this.idle = new IdlePolicy(options.idleGraceMs ?? 2000, options.keepAliveMs ?? 1000);
    if (!Number.isInteger(this.maxLag) || this.maxLag < 0) throw new RangeError('maxMatteLag must be an integer >= 0');
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError('queueDepth must be an integer >= 1');
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
    this.stopReason ??= 'stopped';
    this.wake?.();
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
      for (const sink of sinks) {
        await sink.open(this.formatInUse);
        this.mailboxes.set(sink, new SinkMailbox(sink, this.metrics));
      }
      // A virtual camera is discoverable only once a frame was written to it: do not make it
      // wait for the first capture and inference.
      this.sendKeepAlive(this.placeholders.get('starting'));
      await this.captureLoop();
      return { reason: this.stopReason ?? 'stopped', outputFrames: this.outputCount, format: this.formatInUse };
    } finally {
      await this.shutdown();
    }
  }

  private async captureLoop(): Promise<void> {
    const { controller } = this.options;
    while (this.stopReason === null) {
      if (this.idle.update(this.anyConsumers(), nowMs())) {
        await this.idleUntilWatched();
        continue;
      }
      await this.roomInLosslessSinks();
      if (this.stopReason !== null) break;
      if (controller.paused) {
        const t = await this.readInto(this.scratch!);
        if (t === null) break;
        if (t !== undefined) this.emitPlaceholder('paused', t);
        continue;
      }
      const seq = this.nextSeq;
      const frame = this.pool!.acquire(seq, 0);
      if (!frame) {
        // Every buffer is held downstream: read to keep the camera's queue short, then drop.
        const t = await this.readInto(this.scratch!);
        if (t === null) break;
        if (t !== undefined) this.metrics.dropped.capture++;
        // Let the stages holding the buffers run before trying again.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const t = await this.readInto(frame.rgba);
      if (t === null || t === undefined) {
        frame.release();
        if (t === null) break;
        continue;
      }
      frame.captureMs = t;
      this.nextSeq++;
      this.metrics.frames.captured++;
      this.metrics.latency.capture.record(Math.max(0, nowMs() - t));
      this.enqueue(frame);
    }
    if (this.stopReason === null) this.stopReason = 'end-of-stream';
    await this.finishPending();
  }

  /**
   * Reads one frame. Resolves with its capture time, null at the end of the stream, or undefined
   * when the source failed and was recovered (a placeholder was shown meanwhile).
   */
  private async readInto(target: Uint8Array): Promise<number | null | undefined> {
    try {
      return await this.options.source.read(target);
    } catch (err) {
      if (this.stopReason !== null) return null;
      await this.recoverSource(err);
      return this.stopReason === null ? undefined : null;
    }
  }

  private async recoverSource(err: unknown): Promise<void> {
    const { source } = this.options;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SourceFault && !err.recoverable) {
      log.error(`${source.description} failed: ${message}`);
      this.stopReason = 'source-failed';
      return;
    }
    log.warn(`${source.description} lost (${message}); showing a placeholder and reopening`);
    const frameMs = 1000 / this.formatInUse.fps;
    const retryMs = this.options.reopenDelayMs ?? 1000;
    let nextTry = nowMs();
    while (this.stopReason === null) {
      this.emitPlaceholder('disconnected', nowMs());
      if (nowMs() >= nextTry) {
        nextTry = nowMs() + retryMs;
        try {
          await source.close().catch(() => {});
          const format = await source.open(this.formatInUse);
          if (format.width === this.formatInUse.width && format.height === this.formatInUse.height) {
            log.info(`${source.description} is back`);
            return;
          }
          log.warn(`${source.description} came back as ${format.width}x${format.height}; waiting for ${this.formatInUse.width}x${this.formatInUse.height}`);
        } catch (retryErr) {
          log.debug(`reopen failed: ${retryErr instanceof Error ? retryErr.message : String(retryErr)}`);
        }
      }
      await this.sleep(frameMs);
    }
  }

  /**
   * Nobody watches: frames waiting are dropped, the source pauses (a camera is released, so its
   * light goes off) and sinks nobody watches get the last picture once a second, until someone
   * watches again or the run stops.
   */
  private async idleUntilWatched(): Promise<void> {
    const { source } = this.options;
    log.info('nobody is watching: capture and inference paused; sinks nobody watches get a frame a second');
    for (const frame of this.pending.splice(0)) frame.release();
    this.matteSlot?.release();
    this.matteSlot = null;
    // Copied now: the compositor reuses its output buffer for the next frame.
    const last = this.lastOutput;
    const picture = last && last.width === this.formatInUse.width && last.height === this.formatInUse.height
      ? last.rgba.slice()
      : this.placeholders!.get('starting');
    try {
      await source.pause?.();
    } catch (err) {
      log.warn(`pausing ${source.description}: ${err instanceof Error ? err.message : String(err)}`);
    }
    while (this.stopReason === null && this.idle.update(this.anyConsumers(), nowMs())) {
      if (this.idle.keepAliveDue(nowMs())) this.sendKeepAlive(picture);
      await this.sleep(WATCH_POLL_MS);
    }
    if (this.stopReason === null) log.info('watched again: capture resumed');
  }

  /** One frame for the sinks nobody watches; not counted as output. */
  private sendKeepAlive(rgba: Uint8Array): void {
    const { width, height } = this.formatInUse;
    const frame: OutputFrame = { seq: this.nextSeq++, captureMs: nowMs(), width, height, rgba };
    for (const box of this.allMailboxes()) {
      if (!box.sink.hasConsumers()) box.offer(frame);
    }
    this.metrics.frames.keepAlive++;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
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
        if (this.matteErrors++ % 100 === 0) {
          log.error(`matte failed for frame ${frame.seq}: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    ).finally(() => {
      frame.release();
      this.matteInFlight = null;
      this.pumpComposite();
      this.pumpMatte();
    });
  }

  private decide(frame: Frame): MatteDecision {
    if (!this.options.engine) return { matte: null };
    // Its own matte being made is worth waiting for; one merely queued behind another inference
    // is not, when a close enough matte exists (that would add a whole inference of latency).
    if (this.matteInFlight === frame.seq) return 'wait';
    const m = this.latestMatte;
    if (m && Math.abs(m.seq - frame.seq) <= this.maxLag) return { matte: m };
    if (m && m.seq > frame.seq + this.maxLag) return 'drop';
    if (this.matteSlot?.seq === frame.seq) return 'wait';
    // The newest matte is too old: wait if a newer one is being made, else use what there is.
    if (this.matteInFlight !== null || this.matteSlot !== null) return 'wait';
    return { matte: m && this.matteErrors === 0 ? m : null };
  }

  private pumpComposite(): void {
    while (this.pending.length > 0 && this.stopReason !== 'frame-limit') {
      const frame = this.pending[0];
      const decision = this.decide(frame);
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
      out = this.options.compositor.composite(frame, matte, this.options.controller.chain());
    } catch (err) {
      // A GL failure loses this frame, not the camera; logged once per burst of failures.
      if (this.compositeErrors++ % 100 === 0) {
        log.error(`compositing frame ${frame.seq} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
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
    for (const box of this.allMailboxes()) box.offer(frame);
    this.lastOutput = frame;
    const now = nowMs();
    this.metrics.latency.total.record(now - frame.captureMs);
    this.metrics.markOutput(now);
    this.outputCount++;
    const limit = this.options.frameLimit;
    if (limit !== undefined && this.outputCount >= limit && this.stopReason === null) {
      this.stopReason = 'frame-limit';
      this.wake?.();
    }
  }

  /** Mailboxes for the start-up sinks plus those attached at run time (web preview, OBS). */
  private *allMailboxes(): Iterable<SinkMailbox> {
    yield* this.mailboxes.values();
    const attached = this.options.controller.attachedSinks();
    for (const sink of this.attachedMailboxes.keys()) {
      if (!attached.has(sink)) this.attachedMailboxes.delete(sink);
    }
    for (const sink of attached) {
      let box = this.attachedMailboxes.get(sink);
      if (!box) {
        box = new SinkMailbox(sink, this.metrics, () => this.options.controller.attachedSinks().has(sink));
        this.attachedMailboxes.set(sink, box);
      }
      yield box;
    }
  }

  /** Files lose no frame: capture waits until every lossless sink's queue has room. */
  private async roomInLosslessSinks(): Promise<void> {
    for (const box of this.allMailboxes()) {
      if (box.sink.lossless) await box.room();
    }
  }

  private anyConsumers(): boolean {
    for (const sink of this.options.sinks) if (sink.hasConsumers()) return true;
    for (const sink of this.options.controller.attachedSinks()) if (sink.hasConsumers()) return true;
    return false;
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
    await this.matteIdle.catch(() => {});
    for (const frame of this.pending.splice(0)) frame.release();
    this.matteSlot?.release();
    this.matteSlot = null;
    const { source, compositor, sinks, engine } = this.options;
    await Promise.all([...this.mailboxes.values(), ...this.attachedMailboxes.values()].map((box) => box.drain()));
    const closeQuietly = async (what: string, close: () => Promise<void>) => {
      try {
        await close();
      } catch (err) {
        log.warn(`closing ${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    for (const sink of sinks) await closeQuietly(sink.description, () => sink.close());
    await closeQuietly('compositor', () => compositor.close());
    if (engine) await closeQuietly('matte engine', () => engine.close());
    await closeQuietly(source.description, () => source.close());
  }
}
