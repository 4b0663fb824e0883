/**
 * Delays between connection attempts: short at first, so a restarting OBS is back within
 * seconds, then doubling up to a cap, so a closed OBS costs one cheap attempt every few seconds.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 5_000,
  ) {}

  /** The delay before the next attempt; each call lengthens the following one. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
