/** How render shows progress: a bar redrawn in place on a terminal, plain lines otherwise. */
export type ProgressMode = 'bar' | 'lines' | 'quiet';

export interface ProgressStream {
  write(text: string): unknown;
}

/** Seconds as m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * Render's progress on stderr: frames done of the total (when known), frames per second and the
 * time left. On a terminal, one line with a bar redrawn in place at most 5 times a second; in a
 * pipe or a log, a plain line every `intervalMs` (2 s); nothing when quiet.
 */
export class ProgressReporter {
  private startedMs = 0;
  private lastDrawMs = -Infinity;
  private drawn = false;
  private frames = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly mode: ProgressMode,
    private readonly total: { count: number; exact: boolean } | null,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    this.startedMs = this.now();
    this.lastDrawMs = this.startedMs;
  }

  /** Frames written so far; draws when it is time. */
  update(frames: number): void {
    this.frames = frames;
    if (this.mode === 'quiet') return;
    const now = this.now();
    if (now - this.lastDrawMs < (this.mode === 'bar' ? 200 : this.intervalMs)) return;
    this.lastDrawMs = now;
    this.draw(now);
  }

  /** Ends the bar's line (the summary goes on the next one). */
  finish(): void {
    if (this.mode === 'bar' && this.drawn) {
      this.draw(this.now());
      this.stream.write('\n');
    }
    this.drawn = false;
  }

  /** One status line: "frame 120/180 (67%), 14.2 fps, ETA 0:04". */
  line(now: number): string {
    const elapsed = (now - this.startedMs) / 1000;
    const fps = elapsed > 0 ? this.frames / elapsed : 0;
    const total = this.total && this.total.count >= this.frames ? this.total.count : null;
    const of = total ? `/${this.total!.exact ? '' : '~'}${total}` : '';
    const percent = total ? ` (${Math.floor((100 * this.frames) / total)}%)` : '';
    const eta = total && fps > 0 ? `, ETA ${clock((total - this.frames) / fps)}` : '';
    return `frame ${this.frames}${of}${percent}, ${fps.toFixed(1)} fps, ${clock(elapsed)} elapsed${eta}`;
  }

  private draw(now: number): void {
    const text = this.line(now);
    if (this.mode === 'lines') {
      this.stream.write(`render: ${text}\n`);
      return;
    }
    const total = this.total?.count;
    const width = 24;
    const filled = total ? Math.min(width, Math.round((width * this.frames) / total)) : 0;
    const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    this.stream.write(`\r${bar}${text}\x1b[K`);
    this.drawn = true;
  }
}
