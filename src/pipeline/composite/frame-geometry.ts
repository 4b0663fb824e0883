import type { Rect } from '../frame.js';

/** Integer pixel rectangle, half-open: x0 <= x < x1, y0 <= y < y1. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Where one frame's GPU work happens. Alpha is 0 outside the matte's roi, so the filters only run
 * over the face rect plus a margin for their neighbourhoods (the work rect), and only the face
 * rect is composited and read back; the rest of the output is the input frame, copied on the CPU.
 * A face covering a fifth of a 720p frame costs about a fifth of a full-frame pass.
 */
export class FrameGeometry {
  /** Frame height / 720: sizes in filter settings are given for 720p. */
  readonly scale: number;
  /** The matte's region in frame pixels, unclamped (a face partly outside the frame). */
  readonly roi: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** roi clipped to the frame and rounded outwards to whole pixels. */
  readonly face: PixelRect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  /** face grown by `margin` on each side, clipped to the frame; filters sample only in here. */
  readonly work: PixelRect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  readonly full: PixelRect;
  readonly margin: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.scale = height / 720;
    // Covers the widest neighbourhood of the per-pixel filters (beautify at radius 8 plus its
    // gradient taps); block filters clamp to the work rect and need no more.
    this.margin = Math.max(8, Math.ceil(16 * this.scale));
    this.full = { x0: 0, y0: 0, x1: width, y1: height };
  }

  /** Sets the roi; false when it does not overlap the frame (nothing to filter). */
  setRoi(roi: Rect): boolean {
    this.roi.x = roi.x;
    this.roi.y = roi.y;
    this.roi.width = roi.width;
    this.roi.height = roi.height;
    const f = this.face;
    f.x0 = clampInt(Math.floor(roi.x), 0, this.width);
    f.y0 = clampInt(Math.floor(roi.y), 0, this.height);
    f.x1 = clampInt(Math.ceil(roi.x + roi.width), 0, this.width);
    f.y1 = clampInt(Math.ceil(roi.y + roi.height), 0, this.height);
    const w = this.work;
    w.x0 = Math.max(0, f.x0 - this.margin);
    w.y0 = Math.max(0, f.y0 - this.margin);
    w.x1 = Math.min(this.width, f.x1 + this.margin);
    w.y1 = Math.min(this.height, f.y1 + this.margin);
    return f.x1 > f.x0 && f.y1 > f.y0 && roi.width > 0 && roi.height > 0;
  }

  /** Makes the whole frame the face (filters without a matte: tests, reference pictures). */
  setFullFrame(): void {
    this.setRoi({ x: 0, y: 0, width: this.width, height: this.height });
  }

  /** Widens the work rect to the whole frame (debug views read every pixel). */
  widenWorkToFrame(): void {
    Object.assign(this.work, this.full);
  }
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
