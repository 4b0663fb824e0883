/**
 * Counts failed password attempts over a sliding minute, all sources together. Once `limit`
 * failures fall in the window, no further attempt is checked until the oldest of them leaves it,
 * so the password cannot be guessed quickly, and spreading the guesses over many source
 * addresses (every 127.0.0.x reaches a loopback server) gains nothing. Clients already
 * authenticated are unaffected, and so is everybody once nobody is guessing: successes are not
 * counted. The obs-websocket server and the HTTP API share one limiter, as they share the
 * password (docs/control.md, "Password guessing").
 */
export class AuthFailureLimiter {
  static readonly WINDOW_MS = 60_000;
  /** The last `limit` failures, oldest first: older ones cannot matter any more. */
  private failures: Array<{ at: number; source: string }> = [];

  constructor(
    readonly limit: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(limit >= 1)) throw new RangeError('the auth failure limit must be >= 1');
  }

  /** Milliseconds until the next attempt may be checked; 0 when it may be checked now. */
  retryAfterMs(): number {
    this.prune();
    if (this.failures.length < this.limit) return 0;
    return Math.max(1, this.failures[0].at + AuthFailureLimiter.WINDOW_MS - this.now());
  }

  /** Records a wrong password from `source` (a remote address, for the log only). */
  recordFailure(source: string): void {
    this.prune();
    this.failures.push({ at: this.now(), source });
    if (this.failures.length > this.limit) this.failures.shift();
  }

  /** Failures in the window now, and from how many distinct sources. */
  recent(): { failures: number; sources: number } {
    this.prune();
    return { failures: this.failures.length, sources: new Set(this.failures.map((f) => f.source)).size };
  }

  private prune(): void {
    const since = this.now() - AuthFailureLimiter.WINDOW_MS;
    while (this.failures.length > 0 && this.failures[0].at <= since) this.failures.shift();
  }
}

/** The words every surface uses when it refuses an attempt unchecked. */
export function tooManyFailuresMessage(retryAfterMs: number): string {
  return `too many failed password attempts (from all addresses together), retry in ${Math.ceil(retryAfterMs / 1000)} s`;
}
