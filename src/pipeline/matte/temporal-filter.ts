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
  private readonly change: Float32Array;
  private readonly spread: Float32Array;
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
    this.spread = new Float32Array(n);
  }

  /** Forgets the past (e.g. after a pause); the next matte passes unchanged. */
  reset(): void {
    this.previousRoi = null;
  }

  /**
   * Filters `alpha` in place. `luma` is this frame at the matte's resolution over `roi` (0..1);
   * `uncertainty` the model's, or null.
   */
  apply(alpha: Float32Array, uncertainty: Float32Array | null, luma: Float32Array, roi: Rect): void {
    const n = this.width * this.height;
    const previousRoi = this.previousRoi;
    const sameRegion =
      previousRoi !== null && previousRoi.x === roi.x && previousRoi.y === roi.y && previousRoi.width === roi.width && previousRoi.height === roi.height;
    if (sameRegion) {
      const changed = this.measureMotion(luma);
      const { noise, motion, stillKeep, uncertainKeep } = this.options;
      const prev = this.previousAlpha;
      const range = motion - noise;
      for (let i = 0; i < n; i++) {
        const t = (changed[i] - noise) / range;
        const moving = t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
        if (moving === 1) continue;
        const unsure = uncertainty ? uncertainty[i] : 0;
        const keep = (1 - moving) * (stillKeep + (uncertainKeep - stillKeep) * unsure);
        alpha[i] = keep * prev[i] + (1 - keep) * alpha[i];
      }
    }
    this.previousAlpha.set(alpha.subarray(0, n));
    this.previousLuma.set(luma.subarray(0, n));
    this.previousRoi = { ...roi };
  }

  /** |luma - previous luma|, then a 3x3 maximum (separable) so motion covers its own edges. */
  private measureMotion(luma: Float32Array): Float32Array {
    const { width: w, height: h, change, spread, previousLuma } = this;
    for (let i = 0, n = w * h; i < n; i++) {
      const d = luma[i] - previousLuma[i];
      change[i] = d < 0 ? -d : d;
    }
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        let m = change[row + x];
        if (x > 0 && change[row + x - 1] > m) m = change[row + x - 1];
        if (x < w - 1 && change[row + x + 1] > m) m = change[row + x + 1];
        spread[row + x] = m;
      }
    }
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) {
        let m = spread[row + x];
        if (y > 0 && spread[row - w + x] > m) m = spread[row - w + x];
        if (y < h - 1 && spread[row + w + x] > m) m = spread[row + w + x];
        change[row + x] = m;
      }
    }
    return change;
  }
}
