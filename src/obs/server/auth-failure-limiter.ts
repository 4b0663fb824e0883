/**
 * Counts failed authentications per remote address over a sliding minute. Once an address
 * reaches the limit it is locked out until its oldest failure leaves the window, so a password
 * cannot be guessed quickly, while other addresses (and the user's own stream deck) keep working.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private static readonly WINDOW_MS = 60_000;
  /** Beyond this many tracked addresses the stalest are dropped, so memory stays bounded. */
  private static readonly MAX_ADDRESSES = 4096;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(perMinute >= 1)) throw new RangeError('authFailuresPerMinute must be >= 1');
  }

  /** Milliseconds until `address` may try again; 0 when it may try now. */
  retryAfterMs(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.perMinute) return 0;
    return Math.max(1, recent[recent.length - this.perMinute] + AuthFailureLimiter.WINDOW_MS - this.now());
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.delete(address);
    this.failures.set(address, recent);
    if (this.failures.size > AuthFailureLimiter.MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
  }

  private recent(address: string): number[] {
    const since = this.now() - AuthFailureLimiter.WINDOW_MS;
    const list = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(address);
    else this.failures.set(address, list);
    return list;
  }
}
