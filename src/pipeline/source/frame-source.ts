import type { VideoFormat } from '../frame.js';

/**
 * Stage 1: where frames come from. Every source behaves like a live camera: read() resolves when
 * the next frame is due (a file or synthetic source paces itself at its fps unless `paced` is
 * false), so the scheduler treats all sources alike.
 */
export interface FrameSource {
  /** Short description for logs, e.g. "v4l2:/dev/video0 (MJPEG 1280x720@30)". */
  readonly description: string;
  /** Negotiates the format closest to `requested`; resolves with the format really delivered. */
  open(requested: VideoFormat): Promise<VideoFormat>;
  /**
   * Writes the next frame, RGBA8 at the opened size, into `target` and resolves with its capture
   * time (nowMs clock), or null at the end of a finite stream. Rejects with a SourceFault when the
   * device fails (unplug, busy); the scheduler then shows a placeholder and reopens.
   */
  read(target: Uint8Array): Promise<number | null>;
  /**
   * Optional: stop capturing while nobody watches (a camera releases its device, so its light
   * goes off); the next read() resumes. Sources that cost nothing while unread leave it out.
   */
  pause?(): Promise<void>;
  close(): Promise<void>;
}

/** A device failure the scheduler can recover from by reopening the source later. */
export class SourceFault extends Error {
  constructor(
    message: string,
    readonly recoverable: boolean,
  ) {
    super(message);
    this.name = 'SourceFault';
  }
}
