import type { OutputFrame, VideoFormat } from '../frame.js';

/**
 * Stage 4: where composited frames go. The scheduler never waits on a sink: each sink has a
 * one-frame mailbox and a slow sink drops frames (counted) instead of slowing the video.
 */
export interface FrameSink {
  readonly description: string;
  /**
   * A file: every frame handed over must reach it. Its mailbox queues instead of dropping, and
   * the scheduler waits for room there before it captures the next frame (a live camera then
   * drops frames at capture, counted; a file or synthetic source simply slows down).
   */
  readonly lossless?: boolean;
  open(format: VideoFormat): Promise<void>;
  /**
   * Takes the frame. The sink must read the pixels it needs synchronously, before write() returns
   * (convert or copy them into a buffer of its own): the caller reuses `frame.rgba` right after.
   * The promise resolves when the sink can take the next frame; until then the scheduler keeps at
   * most one newer frame for it (drop-oldest).
   */
  write(frame: OutputFrame): Promise<void>;
  /**
   * Whether anyone watches (a v4l2loopback reader, a preview client). The scheduler idles the
   * matte stage when no sink has a consumer. Sinks that cannot tell return true.
   */
  hasConsumers(): boolean;
  close(): Promise<void>;
}
