/**
 * Test doubles for the pipeline stages, used to test the scheduler's logic (ordering, drops,
 * back-pressure, faults) independently of the real model and GL. The real stages have their own
 * tests and the end-to-end test runs them together.
 *
 * Every double that takes time takes it from a Clock: the real one by default, a FakeClock
 * (fake-clock.ts) in the scheduler's tests, so their verdicts do not depend on the machine's load.
 */
import type { Frame, Matte, OutputFrame, VideoFormat } from '../../src/pipeline/frame.js';
import type { FrameSource } from '../../src/pipeline/source/frame-source.js';
import type { MatteEngine } from '../../src/pipeline/matte/matte-engine.js';
import type { Compositor } from '../../src/pipeline/composite/compositor.js';
import type { FrameSink } from '../../src/pipeline/sink/frame-sink.js';
import type { FilterInstance } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import { SourceFault } from '../../src/pipeline/source/frame-source.js';
import { nowMs } from '../../src/pipeline/frame.js';
import { realClock, type Clock } from '../../src/pipeline/scheduler/clock.js';

/** A signal that never aborts, for the doubles' own waits. */
const NEVER = new AbortController().signal;

/** Writes the frame number into the first pixel's R,G (little-endian) so sinks can read it back. */
export class CountingSource implements FrameSource {
  description = 'counting';
  opened = 0;
  closed = 0;
  paused = 0;
  private n = 0;
  private nextFrameAt = 0;
  /** Make read() fail with an unplug after this many frames (once). */
  failAfter: number | null = null;
  /** While true, open() fails as a device that is still gone would. */
  unplugged = false;
  /** How long the first read after a pause takes (a camera reopening). */
  resumeDelayMs = 0;
  /** A camera that stalls: frame `before` comes `ms` late. */
  stall: { before: number; ms: number } | null = null;
  private resuming = false;

  constructor(
    private readonly total: number | null,
    private readonly fps = 100,
    private readonly clock: Clock = realClock,
  ) {}

  async open(f: VideoFormat): Promise<VideoFormat> {
    if (this.unplugged) throw new SourceFault('no such device', true);
    this.opened++;
    this.nextFrameAt = this.clock.now();
    return { ...f };
  }

  async read(target: Uint8Array): Promise<number | null> {
    if (this.total !== null && this.n >= this.total) return null;
    if (this.failAfter !== null && this.n === this.failAfter) {
      this.failAfter = null;
      this.unplugged = true;
      throw new SourceFault('device unplugged (ENODEV)', true);
    }
    if (this.resuming) {
      this.resuming = false;
      await this.clock.sleep(this.resumeDelayMs, NEVER);
      this.nextFrameAt = this.clock.now();
    }
    if (this.stall?.before === this.n) this.nextFrameAt += this.stall.ms;
    // A camera's pace: frame n is due n frame-intervals after open, never sooner.
    await this.clock.sleep(this.nextFrameAt - this.clock.now(), NEVER);
    this.nextFrameAt = Math.max(this.nextFrameAt + 1000 / this.fps, this.clock.now());
    target[0] = this.n & 255;
    target[1] = (this.n >> 8) & 255;
    target[2] = 7;
    this.n++;
    return nowMs();
  }

  async pause(): Promise<void> {
    this.paused++;
    this.resuming = true;
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

/** A matte of the frame that is all face inside `roi` (default: the whole frame). */
export function solidMatte(frame: Frame, roi: Matte['roi'] = { x: 0, y: 0, width: frame.width, height: frame.height }): Matte {
  return {
    seq: frame.seq,
    captureMs: frame.captureMs,
    width: 4,
    height: 4,
    alpha: new Float32Array(16).fill(1),
    uncertainty: null,
    roi: { ...roi },
    empty: false,
  };
}

export class DelayEngine implements MatteEngine {
  description = 'delay';
  provider = 'none';
  seen: number[] = [];
  closed = false;
  failing = false;

  constructor(
    public delayMs: number,
    private readonly clock: Clock = realClock,
  ) {}

  async run(frame: Frame): Promise<Matte> {
    this.seen.push(frame.seq);
    await this.clock.sleep(this.delayMs, NEVER);
    if (this.failing) throw new Error('model exploded');
    return solidMatte(frame);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Copies the frame and records which matte it got. */
export class RecordingCompositor implements Compositor {
  description = 'recording';
  pairs: Array<{ frame: number; matte: number | null }> = [];
  opened = false;
  closed = false;
  private out: { seq: number; captureMs: number; width: number; height: number; rgba: Uint8Array } | null = null;

  async open(f: VideoFormat): Promise<void> {
    this.opened = true;
    this.out = { seq: 0, captureMs: 0, width: f.width, height: f.height, rgba: new Uint8Array(f.width * f.height * 4) };
  }

  composite(frame: Frame, matte: Matte | null, _chain: readonly FilterInstance[]): OutputFrame {
    this.pairs.push({ frame: frame.seq, matte: matte ? matte.seq : null });
    const out = this.out!;
    out.seq = frame.seq;
    out.captureMs = frame.captureMs;
    out.rgba.set(frame.rgba);
    out.rgba[3] = matte ? 1 : 0;
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export class RecordingSink implements FrameSink {
  description: string;
  /** Every frame written: its seq, the source's frame number, whether a placeholder, when (clock ms). */
  frames: Array<{ seq: number; counter: number; placeholder: boolean; at: number }> = [];
  closed = false;
  consumers = true;

  constructor(
    name: string,
    public delayMs = 0,
    /** Plays a file sink: every frame must arrive. */
    readonly lossless = false,
    private readonly clock: Clock = realClock,
  ) {
    this.description = name;
  }

  async open(): Promise<void> {}

  async write(frame: OutputFrame): Promise<void> {
    // Read synchronously, as the contract says; the buffer is reused after we return.
    const placeholder = frame.rgba[2] !== 7;
    this.frames.push({ seq: frame.seq, counter: frame.rgba[0] | (frame.rgba[1] << 8), placeholder, at: this.clock.now() });
    if (this.delayMs > 0) await this.clock.sleep(this.delayMs, NEVER);
  }

  hasConsumers(): boolean {
    return this.consumers;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
