/**
 * When a watched output that has had no new frame for a while gets the last picture again. Pure:
 * the caller passes the time, so the policy is tested with a fake clock.
 *
 * Consumers give up on a camera that stops sending: Chromium restarts its stream after 1 s
 * without a frame and drops the camera after 10 s (media/capture/video/linux/
 * v4l2_capture_delegate.cc), and a video-call app shows a frozen or black tile. A pipeline has
 * such gaps of its own: the camera reopening when someone starts watching after an idle pause
 * (one second on a webcam, several under emulation, longer if another program still holds it),
 * the first matte, a camera that stalls. So while anyone watches, no sink goes `holdMs` without
 * a frame: the last picture is sent again, as a camera repeats its last frame.
 */
export class HoldPolicy {
  private lastSent = 0;

  constructor(readonly holdMs = 400) {
    if (!(holdMs > 0)) throw new RangeError('holdMs must be > 0');
  }

  /** A frame went out at `now` (a real one or a repeat). */
  sent(now: number): void {
    this.lastSent = now;
  }

  /** When a repeat is next due if nothing is sent before. */
  dueAt(): number {
    return this.lastSent + this.holdMs;
  }

  /** Whether the last picture is to be sent again now, for a watched output. */
  repeatDue(watched: boolean, now: number): boolean {
    return watched && now >= this.dueAt();
  }
}
