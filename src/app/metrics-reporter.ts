import { writeFileSync, renameSync } from 'node:fs';
import type { MetricsSnapshot } from '../pipeline/scheduler/metrics.js';
import { logger } from '../log.js';
import { errorMessage } from '../util/error-message.js';

const log = logger('metrics');

/**
 * Once a second: logs a one-line summary (with --verbose) and rewrites the --metrics JSON file
 * (atomically, so a reader never sees half a file). Also writes once more at exit.
 */
export class MetricsReporter {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly snapshot: () => MetricsSnapshot,
    private readonly options: { path: string | null; verbose: boolean },
  ) {}

  start(): void {
    if (!this.options.path && !this.options.verbose) return;
    this.timer = setInterval(() => this.report(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.options.path) this.write(this.snapshot());
  }

  private report(): void {
    const s = this.snapshot();
    if (this.options.verbose) log.info(summaryLine(s));
    if (this.options.path) this.write(s);
  }

  private write(s: MetricsSnapshot): void {
    const path = this.options.path!;
    try {
      writeFileSync(path + '.tmp', JSON.stringify(s, null, 2) + '\n');
      renameSync(path + '.tmp', path);
    } catch (err) {
      log.warn(`cannot write ${path}: ${errorMessage(err)}`);
    }
  }
}

function summaryLine(s: MetricsSnapshot): string {
  const l = s.latencyMs;
  const ms = (v: number) => v.toFixed(1);
  return (
    `video ${s.videoFps} fps, matte ${s.matteFps} fps | ` +
    `matte ${ms(l.matte.p50)}/${ms(l.matte.p99)} ms, composite ${ms(l.composite.p50)}/${ms(l.composite.p99)} ms, ` +
    `capture->output ${ms(l.total.p50)}/${ms(l.total.p99)} ms (p50/p99) | ` +
    `dropped ${s.dropped.capture}/${s.dropped.matte}/${s.dropped.composite}/${s.dropped.sink} (capture/matte/composite/sink) | rss ${Math.round(s.rssBytes / 1048576)} MB`
  );
}
