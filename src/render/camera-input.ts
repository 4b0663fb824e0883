import { createV4l2Source } from '../pipeline/source/v4l2-source.js';
import type { FrameSource } from '../pipeline/source/frame-source.js';
import type { VideoFormat } from '../pipeline/frame.js';
import type { FrameInput, TimeBase } from './frame-input.js';
import { DecodeError, InputError } from './frame-input.js';
import { errorMessage } from '../util/error-message.js';

/**
 * A webcam for `duration` seconds (`v4l2:/dev/videoN`, `v4l2:auto`). Each frame's pts is its
 * capture time after the first frame's, in microseconds, so the output keeps the camera's real
 * timing. The camera does not wait: frames it captured while render was busy are lost at capture.
 */
export class CameraInput implements FrameInput {
  readonly description: string;
  readonly audio = null;
  readonly timeBase: TimeBase = { num: 1, den: 1_000_000 };
  width = 0;
  height = 0;
  fps: number;
  expectedFrames: { count: number; exact: boolean } | null;
  private readonly source: FrameSource;
  private firstMs: number | null = null;
  private frames = 0;

  constructor(
    device: string,
    private readonly requested: VideoFormat,
    private readonly durationS: number,
    pixelFormat?: 'mjpeg' | 'nv12' | 'yuyv' | 'i420',
  ) {
    this.description = `v4l2:${device}`;
    this.source = createV4l2Source(device === 'auto' ? undefined : device, undefined, undefined, pixelFormat);
    this.fps = requested.fps;
    this.expectedFrames = { count: Math.round(durationS * requested.fps), exact: false };
  }

  async open(): Promise<void> {
    let format: VideoFormat;
    try {
      format = await this.source.open(this.requested);
    } catch (err) {
      throw new InputError(`${this.description}: ${errorMessage(err)}`);
    }
    this.width = format.width;
    this.height = format.height;
    this.fps = format.fps;
    this.expectedFrames = { count: Math.round(this.durationS * format.fps), exact: false };
  }

  async read(target: Uint8Array): Promise<number | null> {
    let captureMs: number | null;
    try {
      captureMs = await this.source.read(target);
    } catch (err) {
      throw new DecodeError(`${this.description}: ${errorMessage(err)}`, this.frames, null);
    }
    if (captureMs === null) return null;
    this.firstMs ??= captureMs;
    const ptsUs = Math.round((captureMs - this.firstMs) * 1000);
    if (ptsUs >= this.durationS * 1_000_000) return null;
    this.frames++;
    return ptsUs;
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
