import type { OutputFrame } from '../frame.js';
import type { FrameSink } from '../sink/frame-sink.js';
import type { PipelineMetrics } from './metrics.js';
import { nowMs } from '../frame.js';
import { logger } from '../../log.js';
import { errorMessage } from '../../util/error-message.js';

const log = logger('sink');

/** Frames a lossless sink's mailbox holds before the scheduler waits for it. */
export const LOSSLESS_QUEUE = 4;

/**
 * Puts frames into one sink without ever waiting for it. While the sink is busy with a frame, the
 * newest frame waits in a one-frame mailbox (a copy: the compositor reuses its buffer) and an
 * older waiting frame is dropped: a slow sink loses frames, it never slows the video.
 * A lossless sink (a file) gets a queue instead and loses nothing; the scheduler asks room()
 * before it captures the next frame, so the queue stays near LOSSLESS_QUEUE frames.
 */
export class SinkMailbox {
  private busy = false;
  private pending: MutableOutputFrame | null = null;
  private spare: MutableOutputFrame | null = null;
  private readonly queue: MutableOutputFrame[] = [];
  private readonly recycled: MutableOutputFrame[] = [];
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];
  private failed = false;

  /** `wanted` says whether the sink still takes frames (run-time sinks can be detached). */
  constructor(
    readonly sink: FrameSink,
    private readonly metrics: PipelineMetrics,
    private readonly wanted: () => boolean = () => true,
  ) {}

  /** Hands a frame over; returns false when an older waiting frame was dropped for it. */
  offer(frame: OutputFrame): boolean {
    if (this.failed) return true;
    if (!this.busy) {
      this.start(frame);
      return true;
    }
    if (this.sink.lossless) {
      this.queue.push(copyInto(this.recycled.pop() ?? null, frame));
      return true;
    }
    const dropped = this.pending !== null;
    if (dropped) this.metrics.dropped.sink++;
    this.pending = copyInto(this.pending ?? this.spare, frame);
    this.spare = null;
    return !dropped;
  }

  /** Resolves when a lossless sink's queue has room (at once for other sinks, or a failed one). */
  room(): Promise<void> {
    if (this.failed || this.queue.length < LOSSLESS_QUEUE) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once the sink has finished every frame handed to it. */
  drain(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(frame: OutputFrame): void {
    this.busy = true;
    const started = nowMs();
    let done: Promise<void>;
    try {
      done = this.sink.write(frame);
    } catch (err) {
      done = Promise.reject(err);
    }
    done.then(
      () => {
        this.metrics.latency.sink.record(nowMs() - started);
        this.next();
      },
      (err: unknown) => {
        // A sink that fails (ffmpeg gone, disk full) is taken out; the other sinks go on.
        this.failed = true;
        log.error(`${this.sink.description} failed and was stopped: ${errorMessage(err)}`);
        this.pending = null;
        this.next();
      },
    );
  }

  private next(): void {
    if (this.queue.length > 0 && !this.failed && this.wanted()) {
      const queued = this.queue.shift()!;
      this.start(queued);
      this.recycled.push(queued); // consumed synchronously by write()
      this.wakeRoomWaiters();
      return;
    }
    this.queue.length = 0;
    this.wakeRoomWaiters();
    const waiting = this.pending;
    if (waiting && !this.failed && this.wanted()) {
      this.pending = null;
      this.start(waiting);
      // The frame's pixels were consumed synchronously by write(): its buffer can be reused.
      this.spare = waiting;
      return;
    }
    this.pending = null;
    this.busy = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private wakeRoomWaiters(): void {
    if (!this.failed && this.queue.length >= LOSSLESS_QUEUE) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

interface MutableOutputFrame {
  seq: number;
  captureMs: number;
  width: number;
  height: number;
  rgba: Uint8Array;
}

function copyInto(target: MutableOutputFrame | null, frame: OutputFrame): MutableOutputFrame {
  const out =
    target && target.rgba.length === frame.rgba.length
      ? target
      : { seq: 0, captureMs: 0, width: 0, height: 0, rgba: new Uint8Array(frame.rgba.length) };
  out.seq = frame.seq;
  out.captureMs = frame.captureMs;
  out.width = frame.width;
  out.height = frame.height;
  out.rgba.set(frame.rgba);
  return out;
}
