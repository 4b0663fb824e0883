import type { Rect } from '../frame.js';

export interface TemporalFilterOptions {
  /** Luma change (0..1) up to which a pixel counts as still: camera noise after the resize. */
  noise: number;
  /** Luma change from which a pixel counts as moving: there the new matte is taken as it is. */
  motion: number;
  /** Share of the previous matte kept on still pixels the model is sure of. */
  stillKeep: number;
  /** Share kept on still pixels the model is unsure of (uncertainty 1); no uncertainty output: stillKeep. */
  uncertainKeep: number;
}

export const DEFAULT_TEMPORAL: TemporalFilterOptions = {
  noise: 0.02,
  motion: 0.06,
  stillKeep: 0.5,
  uncertainKeep: 0.85,
};

/**
 * Temporal stability without lag. Per pixel, the model-resolution luma of this frame is compared
 * with the last one's; the change, spread by one pixel so the edges of a moving hand count as
 * moving too, decides how much of the previous matte to keep:
 *
 *     moving = smoothstep(noise, motion, change)
 *     keep   = (1 - moving) * (stillKeep + (uncertainKeep - stillKeep) * uncertainty)
 *     alpha  = keep * previous + (1 - keep) * alpha
 *
 * A still face averages out the model's frame-to-frame flicker (more so where it is unsure); where
 * the picture changed, keep is 0 and the new matte is used as it is, in the same frame. A new
 * region (face crop moved) or frame size starts afresh.
 */
export class TemporalFilter {
  private readonly options: TemporalFilterOptions;
  private readonly previousAlpha: Float32Array;
  private readonly previousLuma: Float32Array;
  /** Scratch: the per-pixel luma change, spread horizontally. */
  private readonly change: Float32Array;
  private previousRoi: Rect | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
    options: Partial<TemporalFilterOptions> = {},
  ) {
    this.options = { ...DEFAULT_TEMPORAL, ...options };
    const n = width * height;
    this.previousAlpha = new Float32Array(n);
    this.previousLuma = new Float32Array(n);
    this.change = new Float32Array(n);
  }

  /**
   * Filters `alpha` in place. `luma` is this frame at the matte's resolution over `roi` (0..1);
   * `uncertainty` the model's, or null.
   */
  apply(alpha: Float32Array, uncertainty: Float32Array | null, luma: Float32Array, roi: Rect): void {
    const { width: w, height: h, previousAlpha, previousLuma, change } = this;
    const previousRoi = this.previousRoi;
    this.previousRoi = { ...roi };
    const sameRegion =
      previousRoi !== null && previousRoi.x === roi.x && previousRoi.y === roi.y && previousRoi.width === roi.width && previousRoi.height === roi.height;
    if (!sameRegion) {
      previousAlpha.set(alpha.subarray(0, w * h));
      previousLuma.set(luma.subarray(0, w * h));
      return;
    }
    // Pass 1: |luma - previous luma| with a horizontal 3-maximum; remembers this frame's luma.
    for (let y = 0; y < h; y++) {
      const row = y * w;
      let left = 0;
      let d = luma[row] - previousLuma[row];
      let here = d < 0 ? -d : d;
      previousLuma[row] = luma[row];
      for (let x = 0; x < w; x++) {
        let right = 0;
        if (x + 1 < w) {
          const j = row + x + 1;
          d = luma[j] - previousLuma[j];
          right = d < 0 ? -d : d;
          previousLuma[j] = luma[j];
        }
        let m = here;
        if (left > m) m = left;
        if (right > m) m = right;
        change[row + x] = m;
        left = here;
        here = right;
      }
    }
    // Pass 2: the vertical 3-maximum, the blend, and this frame's (filtered) alpha remembered.
    const { noise, motion, stillKeep, uncertainKeep } = this.options;
    const range = motion - noise;
    const unsureGain = uncertainKeep - stillKeep;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        const i = row + x;
        let m = change[i];
        if (y > 0 && change[i - w] > m) m = change[i - w];
        if (y < h - 1 && change[i + w] > m) m = change[i + w];
        const t = (m - noise) / range;
        if (t < 1) {
          const moving = t <= 0 ? 0 : t * t * (3 - 2 * t);
          const keep = (1 - moving) * (stillKeep + unsureGain * (uncertainty ? uncertainty[i] : 0));
          alpha[i] = keep * previousAlpha[i] + (1 - keep) * alpha[i];
        }
        previousAlpha[i] = alpha[i];
      }
    }
  }
}
