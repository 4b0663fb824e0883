import { nowMs } from '../frame.js';

/**
 * Releases frames at a fixed rate, like a camera does. When the consumer falls behind by more
 * than a frame the clock is reset instead of bursting to catch up, so a stall never turns into
 * a flood of late frames.
 */
export class FramePacer {
  private next = 0;

  constructor(private readonly fps: number) {}

  /** Waits until the next frame is due; resolves with the time it was released. */
  async wait(): Promise<number> {
    const interval = 1000 / this.fps;
    const now = nowMs();
    if (this.next === 0 || now - this.next > interval) this.next = now;
    const delay = this.next - now;
    this.next += interval;
    if (delay > 1) await new Promise((resolve) => setTimeout(resolve, delay));
    return nowMs();
  }

  reset(): void {
    this.next = 0;
  }
}
