/**
 * When the pipeline idles, and how it keeps a virtual camera visible meanwhile. Pure: the caller
 * passes the time, so the policy is tested with a fake clock.
 *
 * - Nobody watching for `graceMs` (a reader that closes and reopens, as Chrome and `v4l2-ctl`
 *   do while probing, must not stop and restart the camera each time): capture and inference
 *   pause.
 * - While idle, a keep-alive frame goes out every `keepAliveMs`. v4l2loopback with
 *   exclusive_caps=1 advertises the node as a camera only while a producer writes to it, so a
 *   writer that stopped when its last reader left could never be found again (docs/pipeline.md).
 * - Anyone watching again: capture resumes at once.
 */
export class IdlePolicy {
  private unwatchedSince: number | null = null;
  private nextKeepAlive = 0;
  private idling = false;

  constructor(
    readonly graceMs = 2000,
    readonly keepAliveMs = 1000,
  ) {
    if (!(graceMs >= 0) || !(keepAliveMs > 0)) throw new RangeError('graceMs must be >= 0 and keepAliveMs > 0');
  }

  get idle(): boolean {
    return this.idling;
  }

  /** Called before each frame is captured and while idle; says whether to idle now. */
  update(watched: boolean, now: number): boolean {
    if (watched) {
      this.unwatchedSince = null;
      this.idling = false;
      return false;
    }
    this.unwatchedSince ??= now;
    if (!this.idling && now - this.unwatchedSince >= this.graceMs) {
      this.idling = true;
      this.nextKeepAlive = now;
    }
    return this.idling;
  }

  /** While idle: whether a keep-alive frame is due now (the first one is due on entering). */
  keepAliveDue(now: number): boolean {
    if (!this.idling || now < this.nextKeepAlive) return false;
    // From now, not from the last due time: after a stall, one frame, not a burst.
    this.nextKeepAlive = now + this.keepAliveMs;
    return true;
  }
}
