import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from '../sink/frame-sink.js';
import { PipelineMetrics } from './metrics.js';
import { SinkMailbox } from './sink-mailbox.js';
import { errorMessage } from '../../util/error-message.js';
import { logger } from '../../log.js';

const log = logger('scheduler');

/** Adds and removes sinks while the pipeline runs; what the controller is given of the fan-out. */
export interface SinkAttachment {
  attach(sink: FrameSink): void;
  detach(sink: FrameSink): void;
  /** Every sink frames go to: start-up sinks first, then attached ones. */
  descriptions(): string[];
}

/**
 * Hands every output frame to every sink through its own mailbox (sink-mailbox.ts), so no sink
 * can stall another. Two kinds of sinks: those given at start (the scheduler opens and closes
 * them) and those attached while running (the web preview, the OBS bridge's stream: their owner
 * opens and closes them; a detached sink gets no further frame).
 */
export class SinkFanout implements SinkAttachment {
  private readonly startSinks = new Map<FrameSink, SinkMailbox>();
  private readonly attachedSinks = new Map<FrameSink, SinkMailbox>();

  constructor(private readonly metrics: PipelineMetrics = new PipelineMetrics()) {}

  /** Opens the start-up sinks, in order; a sink that fails to open fails the start. */
  async open(sinks: readonly FrameSink[], format: VideoFormat): Promise<void> {
    for (const sink of sinks) {
      await sink.open(format);
      this.startSinks.set(sink, new SinkMailbox(sink, this.metrics));
    }
  }

  attach(sink: FrameSink): void {
    if (this.attachedSinks.has(sink)) return;
    this.attachedSinks.set(sink, new SinkMailbox(sink, this.metrics, () => this.attachedSinks.has(sink)));
  }

  detach(sink: FrameSink): void {
    this.attachedSinks.delete(sink);
  }

  /** The sinks attached at run time (not the start-up ones). */
  attached(): FrameSink[] {
    return [...this.attachedSinks.keys()];
  }

  descriptions(): string[] {
    return [...this.startSinks.keys(), ...this.attachedSinks.keys()].map((s) => s.description);
  }

  /** One frame for every sink. */
  offer(frame: OutputFrame): void {
    for (const box of this.mailboxes()) box.offer(frame);
  }

  /** The last picture again, for every sink but files (a repeat must not become a frame of a recording). */
  offerRepeat(frame: OutputFrame): void {
    for (const box of this.mailboxes()) {
      if (!box.sink.lossless) box.offer(frame);
    }
  }

  /** One frame for the sinks nobody watches (the idle keep-alive). */
  offerUnwatched(frame: OutputFrame): void {
    for (const box of this.mailboxes()) {
      if (!box.sink.hasConsumers()) box.offer(frame);
    }
  }

  anyConsumers(): boolean {
    for (const box of this.mailboxes()) if (box.sink.hasConsumers()) return true;
    return false;
  }

  /** Files lose no frame: resolves when every lossless sink's queue has room. */
  async room(): Promise<void> {
    for (const box of this.mailboxes()) {
      if (box.sink.lossless) await box.room();
    }
  }

  /** Waits for every frame handed over, then closes the start-up sinks (attached ones stay open). */
  async close(): Promise<void> {
    await Promise.all([...this.mailboxes()].map((box) => box.drain()));
    for (const sink of this.startSinks.keys()) {
      try {
        await sink.close();
      } catch (err) {
        log.warn(`closing ${sink.description}: ${errorMessage(err)}`);
      }
    }
    this.startSinks.clear();
  }

  private *mailboxes(): Iterable<SinkMailbox> {
    yield* this.startSinks.values();
    yield* this.attachedSinks.values();
  }
}
