import type { Rect } from '../frame.js';

/** Integer pixel rectangle, half-open: x0 <= x < x1, y0 <= y < y1. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Where one frame's GPU work happens. Alpha is 0 outside the matte's non-zero texels (and always
 * outside its roi), so the filters only run over the face rect, the frame pixels those texels can
 * reach, plus a margin for their neighbourhoods (the work rect), and only the face rect is
 * composited and read back; the rest of the output is the input frame, copied on the CPU. A face
 * covering a fifth of a 720p frame costs about a fifth of a full-frame pass, however large the
 * region the model looked at (the whole frame while it searches for a face).
 */
export class FrameGeometry {
  /** Frame height / 720: sizes in filter settings are given for 720p. */
  readonly scale: number;
  /** The matte's region in frame pixels, unclamped (a face partly outside the frame). */
  readonly roi: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** The roi clipped to the frame, whole pixels: where the matte (and its uncertainty) lies. */
  readonly roiRect: PixelRect = { x0: 0, y0: 0, x1: 0, y1: 0 };
  /** Where alpha can be above 0: within the roi, clipped to the frame, whole pixels. */
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

  /**
   * Sets the roi and, when given, the box of the matte texels with alpha above 0 (`active`, inclusive
   * texel bounds of a `matteWidth` x `matteHeight` matte): the face rect is then the frame pixels
   * whose upsampling footprint (4x4 texels, see matte-upsample.frag.glsl) reaches into that box.
   * False when the face rect is empty (nothing to filter).
   */
  setRoi(roi: Rect, active?: PixelRect, matteWidth = 1, matteHeight = 1): boolean {
    this.roi.x = roi.x;
    this.roi.y = roi.y;
    this.roi.width = roi.width;
    this.roi.height = roi.height;
    let x0 = roi.x;
    let y0 = roi.y;
    let x1 = roi.x + roi.width;
    let y1 = roi.y + roi.height;
    setClipped(this.roiRect, x0, y0, x1, y1, this.width, this.height);
    if (active) {
      // A pixel at matte position m (texel centres at integers) reads texels floor(m) - 1 ..
      // floor(m) + 2, so texel q reaches pixels whose m + 0.5 lies in [q - 1.5, q + 2.5); one
      // texel more on each side covers rounding.
      const sx = roi.width / matteWidth;
      const sy = roi.height / matteHeight;
      x0 = Math.max(x0, roi.x + (active.x0 - 2.5) * sx);
      y0 = Math.max(y0, roi.y + (active.y0 - 2.5) * sy);
      x1 = Math.min(x1, roi.x + (active.x1 + 3.5) * sx);
      y1 = Math.min(y1, roi.y + (active.y1 + 3.5) * sy);
    }
    const f = this.face;
    setClipped(f, x0, y0, x1, y1, this.width, this.height);
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

/** `r` = [x0, x1) x [y0, y1) rounded outwards to whole pixels and clipped to the frame. */
function setClipped(r: PixelRect, x0: number, y0: number, x1: number, y1: number, width: number, height: number): void {
  r.x0 = clampInt(Math.floor(x0), 0, width);
  r.y0 = clampInt(Math.floor(y0), 0, height);
  r.x1 = clampInt(Math.ceil(x1), 0, width);
  r.y1 = clampInt(Math.ceil(y1), 0, height);
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
