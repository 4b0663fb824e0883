import { nowMs } from '../frame.js';

/** Stages whose latency is measured, in the order a frame meets them. */
export const STAGES = ['capture', 'matte', 'composite', 'sink', 'total'] as const;
export type Stage = (typeof STAGES)[number];

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
  count: number;
}

export interface MetricsSnapshot {
  /** Frames per second reaching the sinks over the last second. */
  videoFps: number;
  /** Mattes per second produced by the model over the last second. */
  matteFps: number;
  /** Milliseconds per stage; 'total' is capture -> last sink write. */
  latencyMs: Record<Stage, LatencySummary>;
  /**
   * keepAlive: frames sent while idle so a virtual camera stays discoverable; repeated: the last
   * picture sent again to watchers that had none for holdMs (scheduler.ts). Neither is output.
   */
  frames: { captured: number; output: number; mattes: number; keepAlive: number; repeated: number };
  dropped: { capture: number; matte: number; composite: number; sink: number };
  rssBytes: number;
  uptimeMs: number;
}

/**
 * A fixed-size ring of recent samples; percentiles are computed on demand over the window, so
 * recording is allocation-free on the hot path.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;

  constructor(size = 600) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
    this.total++;
  }

  /** All samples recorded since creation, not just the window. */
  get count(): number {
    return this.total;
  }

  summary(): LatencySummary {
    if (this.filled === 0) return { p50: 0, p99: 0, mean: 0, count: 0 };
    const sorted = this.samples.slice(0, this.filled).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: sum / sorted.length,
      count: this.total,
    };
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.total = 0;
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Counts events in the last second to give a rate. */
class RateMeter {
  private readonly times: number[] = [];

  mark(t: number): void {
    this.times.push(t);
    if (this.times.length > 1000) this.times.shift();
  }

  rate(now: number): number {
    while (this.times.length > 0 && this.times[0] < now - 1000) this.times.shift();
    return this.times.length;
  }
}

export class PipelineMetrics {
  readonly latency: Record<Stage, LatencyWindow>;
  readonly frames = { captured: 0, output: 0, mattes: 0, keepAlive: 0, repeated: 0 };
  readonly dropped = { capture: 0, matte: 0, composite: 0, sink: 0 };
  private readonly videoRate = new RateMeter();
  private readonly matteRate = new RateMeter();
  private readonly started = nowMs();

  constructor(window = 600) {
    this.latency = Object.fromEntries(STAGES.map((s) => [s, new LatencyWindow(window)])) as Record<Stage, LatencyWindow>;
  }

  markOutput(t: number): void {
    this.frames.output++;
    this.videoRate.mark(t);
  }

  markMatte(t: number): void {
    this.frames.mattes++;
    this.matteRate.mark(t);
  }

  snapshot(): MetricsSnapshot {
    const now = nowMs();
    return {
      videoFps: this.videoRate.rate(now),
      matteFps: this.matteRate.rate(now),
      latencyMs: Object.fromEntries(STAGES.map((s) => [s, this.latency[s].summary()])) as Record<Stage, LatencySummary>,
      frames: { ...this.frames },
      dropped: { ...this.dropped },
      rssBytes: process.memoryUsage.rss(),
      uptimeMs: now - this.started,
    };
  }
}
