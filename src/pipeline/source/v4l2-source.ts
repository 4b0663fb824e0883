import type { Logger } from '../../log.js';
import { logger } from '../../log.js';
import type { CapturePixelFormat, NativeBinding, NativeCaptureDevice } from '../../native/binding.js';
import { devicePath, pickWebcam } from '../../native/device-selection.js';
import { loadNative } from '../../native/loader.js';
import type { VideoFormat } from '../frame.js';
import type { FrameSource } from './frame-source.js';
import { SourceFault } from './frame-source.js';
import { errorMessage } from '../../util/error-message.js';

/**
 * Device errors worth waiting out: the camera was unplugged (ENODEV, EIO, ENXIO), is not back
 * yet (ENOENT) or another program holds it (EBUSY). The scheduler shows a placeholder and
 * reopens. Anything else (not a camera, no usable format or size, no permission) needs the
 * user, so it stops the pipeline with the message.
 */
const RECOVERABLE = new Set(['ENODEV', 'EIO', 'ENXIO', 'ENOENT', 'EBUSY', 'EAGAIN', 'ETIMEDOUT']);

function toSourceFault(err: unknown): SourceFault {
  if (err instanceof SourceFault) return err;
  const code = (err as { code?: unknown })?.code;
  const message = errorMessage(err);
  return new SourceFault(message, typeof code === 'string' && RECOVERABLE.has(code));
}

/**
 * A webcam through V4L2 (`v4l2:/dev/videoN`, or `v4l2:` for the first webcam). The addon's
 * capture thread dequeues and decodes frames (MJPEG with libjpeg-turbo, YUYV/NV12 converted)
 * straight into the buffer read() hands it, so the event loop only sees a resolved promise.
 */
export class V4l2Source implements FrameSource {
  private device: NativeCaptureDevice | null = null;
  private path: string | undefined;
  private label: string;
  /** CLOCK_MONOTONIC ms minus performance.now(): both count from boot/process on one clock. */
  private clockOffsetMs = 0;
  /** What open() was asked for and gave, to reopen the same way after a pause. */
  private requested: VideoFormat | null = null;
  private delivered: VideoFormat | null = null;
  private paused = false;

  constructor(
    path: string | undefined,
    private readonly log: Logger,
    private readonly native: () => NativeBinding,
    /** Only this pixel format (`--input-format`); none lets the negotiation choose. */
    private readonly pixelFormat?: CapturePixelFormat,
  ) {
    this.path = devicePath(path);
    this.label = `v4l2:${this.path ?? 'auto'}`;
  }

  get description(): string {
    return this.label;
  }

  async open(requested: VideoFormat): Promise<VideoFormat> {
    await this.close();
    let native: NativeBinding;
    try {
      native = this.native();
    } catch (err) {
      throw new SourceFault(errorMessage(err), false);
    }
    if (this.path === undefined) {
      const webcam = pickWebcam(native.listDevices());
      if (!webcam) {
        throw new SourceFault('no webcam found (no V4L2 capture device; run `facemat devices`)', true);
      }
      // Keep this one: after an unplug, wait for the same camera rather than another.
      this.path = webcam.path;
    }
    const device = new native.CaptureDevice();
    let format;
    try {
      format = await device.open(this.path, { ...requested, format: this.pixelFormat });
    } catch (err) {
      throw toSourceFault(err);
    }
    this.device = device;
    this.requested = { ...requested };
    this.delivered = { width: format.width, height: format.height, fps: format.fps };
    this.paused = false;
    this.clockOffsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    this.label = `v4l2:${this.path} (${format.card}, ${format.fourcc} ${format.width}x${format.height}@${round(format.fps)})`;
    this.log.info(`opened ${this.label}, ${format.buffers} buffers`);
    if (Math.abs(format.fps - requested.fps) > 0.5) {
      this.log.warn(`${this.path} gives ${round(format.fps)} fps at ${format.width}x${format.height}, not ${requested.fps}`);
    }
    return { width: format.width, height: format.height, fps: format.fps };
  }

  async read(target: Uint8Array): Promise<number | null> {
    if (this.paused) await this.resume();
    const device = this.device;
    if (!device) throw new SourceFault(`${this.label} is not open`, true);
    try {
      const frame = await device.read(target);
      return frame.timestampMs - this.clockOffsetMs;
    } catch (err) {
      throw toSourceFault(err);
    }
  }

  /** Releases the camera while nobody watches; the next read() opens it again. */
  async pause(): Promise<void> {
    if (!this.device) return;
    await this.close();
    this.paused = true;
    this.log.info(`released ${this.path} while nobody watches`);
  }

  private async resume(): Promise<void> {
    const before = this.delivered!;
    const format = await this.open(this.requested!);
    if (format.width !== before.width || format.height !== before.height) {
      throw new SourceFault(`${this.path} came back as ${format.width}x${format.height}, not ${before.width}x${before.height}`, true);
    }
  }

  async close(): Promise<void> {
    this.paused = false;
    if (!this.device) return;
    const stats = this.device.stats();
    this.device.close();
    this.device = null;
    this.log.debug(`closed ${this.label}: ${stats.captured} captured, ${stats.dropped} dropped, ${stats.corrupt} corrupt`);
  }
}

function round(fps: number): number {
  return Math.round(fps * 100) / 100;
}

/**
 * `v4l2:/dev/videoN` as a FrameSource; `path` may carry the `v4l2:` prefix, and an empty path
 * (or "auto") takes the first webcam. `native` is for tests (the addon built with the kernel
 * double); the addon loads on open(), so a missing build is a clear open() error.
 */
export function createV4l2Source(
  path?: string,
  log: Logger = logger('v4l2'),
  native: () => NativeBinding = loadNative,
  pixelFormat?: CapturePixelFormat,
): FrameSource {
  return new V4l2Source(path, log, native, pixelFormat);
}
