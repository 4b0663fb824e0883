/**
 * The data that flows through the pipeline, one way: source -> matte -> composite -> sink.
 *
 * Frames are RGBA8, tightly packed (stride = width * 4). Buffers come from a FramePool and are
 * reused; a stage that keeps a frame past the call that handed it over must `retain()` it and
 * `release()` it when done, so no large buffer is allocated per frame on the hot path.
 */

export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

export type PixelFormat = 'rgba' | 'yuyv' | 'i420';

/** Bytes needed for one frame of `format` at width x height. */
export function frameBytes(format: PixelFormat, width: number, height: number): number {
  switch (format) {
    case 'rgba':
      return width * height * 4;
    case 'yuyv':
      return width * height * 2;
    case 'i420':
      return width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
  }
}

/** Monotonic milliseconds; every timestamp in the pipeline uses this clock. */
export function nowMs(): number {
  return performance.now();
}

/** A captured video frame. `seq` increases by one per captured frame, gaps mean drops upstream. */
export interface Frame {
  readonly seq: number;
  /** Capture time on the nowMs() clock; travels with the frame to the sinks. */
  readonly captureMs: number;
  readonly width: number;
  readonly height: number;
  /** RGBA8, width * height * 4 bytes. Owned by the pool: do not keep it after release(). */
  readonly rgba: Uint8Array;
  retain(): Frame;
  release(): void;
}

/**
 * A face matte for one frame, at the model's resolution. `roi` says which part of the frame the
 * matte covers (face-aware cropping); outside it alpha is 0. The compositor upsamples it to the
 * frame with an edge-aware filter guided by the frame.
 */
export interface Matte {
  /** The seq of the frame the model saw. */
  readonly seq: number;
  readonly captureMs: number;
  readonly width: number;
  readonly height: number;
  /** Alpha in [0,1], width * height, row-major; face skin = 1, occluders and background = 0. */
  readonly alpha: Float32Array;
  /** Per-pixel uncertainty in [0,1] (0 = sure), or null when the model gives none. */
  readonly uncertainty: Float32Array | null;
  /** Region of the frame the matte maps to, in frame pixels. */
  readonly roi: Rect;
  /** True when the model found no face: every filter passes the frame through. */
  readonly empty: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A composited frame on its way to the sinks. Buffers are reused: copy if kept. */
export interface OutputFrame {
  readonly seq: number;
  readonly captureMs: number;
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}
