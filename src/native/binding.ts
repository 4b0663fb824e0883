/**
 * The shape of the compiled addon (native/build/Release/facemat_native.node). Only the loader
 * and the typed wrappers in index.ts touch it directly.
 */

export type YuvMatrixName = 'bt601' | 'bt709';
export type OutputPixelFormat = 'yuyv' | 'i420';

export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FrameSizeInfo {
  width: number;
  height: number;
  /** Frame rates on offer, fastest first. */
  fps: number[];
  /** [slowest, fastest] when the driver offers a continuous range. */
  fpsRange?: [number, number];
}

export interface PixelFormatInfo {
  /** "MJPG", "YUYV", "NV12", ... */
  fourcc: string;
  description: string;
  compressed: boolean;
  /** Discrete sizes; for a stepwise range its smallest and largest size. */
  sizes: FrameSizeInfo[];
  sizeRange?: { minWidth: number; maxWidth: number; stepWidth: number; minHeight: number; maxHeight: number; stepHeight: number };
}

export type DeviceCap =
  | 'video-capture'
  | 'video-capture-mplane'
  | 'video-output'
  | 'video-output-mplane'
  | 'video-m2m'
  | 'metadata-capture'
  | 'readwrite'
  | 'streaming';

export interface DeviceInfo {
  path: string;
  /** The card name; for v4l2loopback, its card_label. */
  card: string;
  /** "uvcvideo", "v4l2 loopback", ... */
  driver: string;
  bus: string;
  caps: DeviceCap[];
  /** Capture formats (empty for output and metadata nodes). */
  formats: PixelFormatInfo[];
  /** Why the node could not be opened or queried (permissions, busy...). */
  error?: string;
}

/** A capture pixel format a user can ask for (`--input-format`). */
export type CapturePixelFormat = 'mjpeg' | 'nv12' | 'yuyv' | 'i420';

export interface CaptureRequest {
  width: number;
  height: number;
  fps: number;
  /** Only this pixel format; left out, the negotiation chooses (MJPEG, NV12, YUYV, I420). */
  format?: CapturePixelFormat;
}

export interface CaptureFormat {
  fourcc: string;
  width: number;
  height: number;
  fps: number;
  bytesPerLine: number;
  buffers: number;
  card: string;
  driver: string;
  /** How YUV formats are converted (MJPEG carries its own). */
  matrix: YuvMatrixName;
  range: 'limited' | 'full';
}

export interface CapturedFrame {
  /** Capture time on CLOCK_MONOTONIC, in milliseconds. */
  timestampMs: number;
  sequence: number;
}

export interface CaptureStats {
  captured: number;
  delivered: number;
  dropped: number;
  corrupt: number;
}
export interface NativeCaptureDevice {
  open(path: string, request: CaptureRequest): Promise<CaptureFormat>;
  /** Fills `target` (width*height*4 bytes) with the next frame; one read at a time. */
  read(target: Uint8Array): Promise<CapturedFrame>;
  close(): void;
  stats(): CaptureStats;
  readonly isOpen: boolean;
}

export interface OutputOptions {
  width: number;
  height: number;
  fps: number;
  format?: OutputPixelFormat;
  matrix?: YuvMatrixName;
}

export type ReaderDetection = 'event' | 'event-legacy' | 'inotify' | 'none';

export interface OutputInfo {
  card: string;
  driver: string;
  bytesPerLine: number;
  sizeImage: number;
  readerDetection: ReaderDetection;
}

export interface OutputStats {
  frames: number;
  partialWrites: number;
  wouldBlock: number;
}

export interface NativeLoopbackWriter {
  open(path: string, options: OutputOptions, onReaders?: (readers: number) => void): OutputInfo;
  /** Converts and writes one RGBA frame; resolves once it is written. One write at a time. */
  write(rgba: Uint8Array): Promise<void>;
  close(): void;
  stats(): OutputStats;
  /** Readers last reported, -1 while unknown. */
  readonly readers: number;
  readonly isOpen: boolean;
}

export interface NativeBinding {
  rgbaToYuyv(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void;
  rgbaToI420(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void;
  yuyvToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void;
  nv12ToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void;
  i420ToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void;
  jpegSize(jpeg: Uint8Array): { width: number; height: number };
  decodeJpeg(jpeg: Uint8Array, dst: Uint8Array): { width: number; height: number };
  encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Buffer;
  resizeToTensor(
    src: Uint8Array,
    width: number,
    height: number,
    roi: Roi,
    dst: Float32Array,
    dstWidth: number,
    dstHeight: number,
    mean: readonly [number, number, number],
    std: readonly [number, number, number],
    scale: number,
  ): void;
  guidedUpsample(
    alpha: Float32Array,
    alphaWidth: number,
    alphaHeight: number,
    roi: Roi,
    rgba: Uint8Array,
    width: number,
    height: number,
    dst: Float32Array | Uint8Array,
    radius: number,
    eps: number,
  ): void;
  listDevices(): DeviceInfo[];
  describeDevice(path: string): DeviceInfo;
  CaptureDevice: new () => NativeCaptureDevice;
  LoopbackWriter: new () => NativeLoopbackWriter;
}
