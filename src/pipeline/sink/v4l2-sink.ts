import type { Logger } from '../../log.js';
import { logger } from '../../log.js';
import type { NativeBinding, NativeLoopbackWriter, OutputPixelFormat, ReaderDetection, YuvMatrixName } from '../../native/binding.js';
import { devicePath, pickLoopback } from '../../native/device-selection.js';
import { loadNative } from '../../native/loader.js';
import { MODPROBE_LINE } from '../../native/loopback-setup.js';
import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';

export interface V4l2SinkOptions {
  /** Pixel format written to the loopback device: YUYV (every consumer takes it) or I420. */
  format?: OutputPixelFormat;
  /** YUV matrix, limited range either way. */
  matrix?: YuvMatrixName;
}

export interface V4l2SinkStats {
  framesWritten: number;
  /** Frames the device would not take in time (a stalled reader), dropped. */
  framesDropped: number;
  readers: number;
  readerDetection: ReaderDetection | 'closed';
}

/**
 * The virtual camera's output: a v4l2loopback node (`v4l2:/dev/videoN`, or `v4l2:` to find
 * one: "FaceMat Camera" first, never OBS's). The addon's writer thread converts each frame to
 * YUYV (or I420) and write()s it whole; it also follows readers (v4l2loopback's client-usage
 * event, or inotify), which hasConsumers() reports so the pipeline can idle when nobody watches.
 */
export class V4l2Sink implements FrameSink {
  private writer: NativeLoopbackWriter | null = null;
  private path: string | undefined;
  private label: string;
  private format: VideoFormat | null = null;
  private detection: ReaderDetection | 'closed' = 'closed';
  private written = 0;
  private dropped = 0;

  constructor(
    path: string | undefined,
    private readonly options: V4l2SinkOptions,
    private readonly log: Logger,
    private readonly native: () => NativeBinding,
  ) {
    this.path = devicePath(path);
    this.label = `v4l2:${this.path ?? 'auto'}`;
  }

  get description(): string {
    return this.label;
  }

  /** The node written to (after open), or the one asked for. */
  get devicePath(): string | undefined {
    return this.path;
  }

  async open(format: VideoFormat): Promise<void> {
    await this.close();
    const native = this.native();
    const path = this.path ?? findLoopbackPath(native);
    const writer = new native.LoopbackWriter();
    const pixelFormat = this.options.format ?? 'yuyv';
    const info = writer.open(path, { ...format, format: pixelFormat, matrix: this.options.matrix }, (readers) => {
      this.log.info(`${path}: ${readers} reader${readers === 1 ? '' : 's'}`);
    });
    this.path = path;
    this.writer = writer;
    this.format = { ...format };
    this.detection = info.readerDetection;
    this.label = `v4l2:${path} (${info.card}, ${pixelFormat.toUpperCase()} ${format.width}x${format.height}@${format.fps})`;
    this.log.info(`writing ${this.label}; readers detected by ${info.readerDetection}`);
  }

  async write(frame: OutputFrame): Promise<void> {
    const writer = this.writer;
    const format = this.format;
    if (!writer || !format) throw new Error(`${this.label} is not open`);
    if (frame.width !== format.width || frame.height !== format.height) {
      throw new Error(`${this.label} was opened for ${format.width}x${format.height}, got a ${frame.width}x${frame.height} frame`);
    }
    try {
      await writer.write(frame.rgba);
      this.written++;
    } catch (err) {
      // A reader that stopped taking frames costs this frame only; the next one tries again.
      if ((err as { code?: unknown }).code === 'EAGAIN') {
        this.dropped++;
        this.log.debug((err as Error).message);
        return;
      }
      throw err;
    }
  }

  /** True while someone reads, or while that cannot be known yet. */
  hasConsumers(): boolean {
    return this.writer !== null && this.writer.readers !== 0;
  }

  stats(): V4l2SinkStats {
    return {
      framesWritten: this.written,
      framesDropped: this.dropped,
      readers: this.writer?.readers ?? 0,
      readerDetection: this.detection,
    };
  }

  async close(): Promise<void> {
    if (!this.writer) return;
    this.writer.close();
    this.writer = null;
    this.detection = 'closed';
    this.log.debug(`closed ${this.label}: ${this.written} frames written, ${this.dropped} dropped`);
  }
}

/** The loopback node to use, or an error saying how to get one. */
function findLoopbackPath(native: NativeBinding): string {
  const choice = pickLoopback(native.listDevices());
  if (!choice.device) {
    throw new Error(`no virtual camera device (${choice.reason}): ${MODPROBE_LINE} (see \`facemat doctor\`)`);
  }
  return choice.device.path;
}

/**
 * A v4l2loopback FrameSink. `path` may carry the `v4l2:` prefix; none (or "auto") finds one.
 * `native` is for tests (the addon built with the kernel double).
 */
export function createV4l2Sink(
  path?: string,
  options: V4l2SinkOptions = {},
  log: Logger = logger('v4l2-out'),
  native: () => NativeBinding = loadNative,
): V4l2Sink {
  return new V4l2Sink(path, options, log, native);
}
