import type { Rect } from '../frame.js';
import { guidedUpsample as nativeGuidedUpsample, nativeStatus } from '../../native/index.js';
import { TensorResizer } from './resize-to-tensor.js';

/**
 * Full-resolution mattes on the CPU, for `facemat matte` (the live pipeline upsamples in the
 * compositor's shaders). A low-resolution plane covers `roi` of the frame; frame pixels outside
 * the roi get 0.
 */
export interface LowResPlane {
  values: Float32Array;
  width: number;
  height: number;
  roi: Rect;
}

/** Plain bilinear upsampling (half-pixel centres, edges clamped): for uncertainty, and as a baseline. */
export function bilinearUpsample(plane: LowResPlane, frameWidth: number, frameHeight: number, out: Float32Array): void {
  const sampler = new PlaneSampler(plane);
  for (let y = 0, i = 0; y < frameHeight; y++) {
    for (let x = 0; x < frameWidth; x++, i++) {
      out[i] = sampler.locate(x, y) ? sampler.sample(plane.values) : 0;
    }
  }
}

export interface GuidedUpsampleOptions {
  /** Box radius of the guided filter, in low-resolution pixels. */
  radius: number;
  /** Regularisation: larger smooths more, smaller follows the frame's edges more closely. */
  eps: number;
}

export const DEFAULT_GUIDED: GuidedUpsampleOptions = { radius: 2, eps: 1e-3 };

/**
 * A full-resolution matte: alpha in [0, 1] (Float32Array), or 8-bit gray, alpha * 255 rounded
 * (Uint8Array: what render --matte-only encodes).
 */
export type MatteBuffer = Float32Array | Uint8Array;

/** Whether the native addon loads, asked once (a failing load is not retried per frame). */
let nativeLoads: boolean | undefined;

/**
 * Fast guided filter upsampling (He & Sun 2015) guided by the frame's luma: the local linear
 * model alpha = a * luma + b is fitted at low resolution, a and b (smooth) are upsampled
 * bilinearly, and evaluated with the full-resolution luma, so the matte's edges land on the
 * frame's edges instead of being blurred over several frame pixels as bilinear upsampling does.
 * The native addon's version when it loads (about 5 ms a 1080p frame), else
 * guidedUpsampleTypeScript (the same model, about ten times slower).
 */
export function guidedUpsample(
  alpha: LowResPlane,
  rgba: Uint8Array,
  frameWidth: number,
  frameHeight: number,
  out: MatteBuffer,
  options: GuidedUpsampleOptions = DEFAULT_GUIDED,
): void {
  nativeLoads ??= nativeStatus().ok;
  if (nativeLoads) {
    const { values, width, height, roi } = alpha;
    nativeGuidedUpsample(values, width, height, roi, rgba, frameWidth, frameHeight, out, options.radius, options.eps);
  } else {
    guidedUpsampleTypeScript(alpha, rgba, frameWidth, frameHeight, out, options);
  }
}

/**
 * guidedUpsample without the addon (and the reference its native version is tested against:
 * test/native/09-upsample.guided-upsample.test.ts).
 */
export function guidedUpsampleTypeScript(
  alpha: LowResPlane,
  rgba: Uint8Array,
  frameWidth: number,
  frameHeight: number,
  out: MatteBuffer,
  options: GuidedUpsampleOptions = DEFAULT_GUIDED,
): void {
  const { width: w, height: h, roi } = alpha;
  const n = w * h;
  // The guide at low resolution, sampled exactly as the model input was (same region, area/bilinear).
  const rgb = new Float32Array(3 * n);
  new TensorResizer().resize(rgba, frameWidth, frameHeight, roi, rgb, w, h, [0, 0, 0], [1, 1, 1], 255);
  const guide = new Float32Array(n);
  for (let i = 0; i < n; i++) guide[i] = 0.299 * rgb[i] + 0.587 * rgb[i + n] + 0.114 * rgb[i + 2 * n];

  const p = alpha.values;
  const ip = new Float32Array(n);
  const ii = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ip[i] = guide[i] * p[i];
    ii[i] = guide[i] * guide[i];
  }
  const r = options.radius;
  const meanI = boxMean(guide, w, h, r);
  const meanP = boxMean(p, w, h, r);
  const meanIP = boxMean(ip, w, h, r);
  const meanII = boxMean(ii, w, h, r);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const variance = meanII[i] - meanI[i] * meanI[i];
    const covariance = meanIP[i] - meanI[i] * meanP[i];
    a[i] = covariance / (variance + options.eps);
    b[i] = meanP[i] - a[i] * meanI[i];
  }
  const meanA = boxMean(a, w, h, r);
  const meanB = boxMean(b, w, h, r);

  const sampler = new PlaneSampler(alpha);
  const scale = out instanceof Uint8Array ? 255 : 1;
  const round = out instanceof Uint8Array ? 0.5 : 0;
  for (let y = 0, i = 0; y < frameHeight; y++) {
    for (let x = 0; x < frameWidth; x++, i++) {
      if (!sampler.locate(x, y)) {
        out[i] = 0;
        continue;
      }
      const o = i * 4;
      const luma = (0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2]) / 255;
      const q = sampler.sample(meanA) * luma + sampler.sample(meanB);
      out[i] = (q < 0 ? 0 : q > 1 ? 1 : q) * scale + round;
    }
  }
}

/** Mean over a (2r+1)^2 window clipped to the plane, by running sums (O(1) per pixel). */
export function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const base = y * w;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) sum += src[base + x];
    for (let x = 0; x < w; x++) {
      const lo = Math.max(0, x - r);
      const hi = Math.min(w - 1, x + r);
      rows[base + x] = sum / (hi - lo + 1);
      if (x + r + 1 < w) sum += src[base + x + r + 1];
      if (x - r >= 0) sum -= src[base + x - r];
    }
  }
  const out = new Float32Array(w * h);
  for (let x = 0; x < w; x++) {
    let sum = 0;
    for (let y = 0; y <= Math.min(r, h - 1); y++) sum += rows[y * w + x];
    for (let y = 0; y < h; y++) {
      const lo = Math.max(0, y - r);
      const hi = Math.min(h - 1, y + r);
      out[y * w + x] = sum / (hi - lo + 1);
      if (y + r + 1 < h) sum += rows[(y + r + 1) * w + x];
      if (y - r >= 0) sum -= rows[(y - r) * w + x];
    }
  }
  return out;
}

/** Maps frame pixels into a low-resolution plane over a roi and samples it bilinearly. */
class PlaneSampler {
  private readonly sx: number;
  private readonly sy: number;
  private i00 = 0;
  private i01 = 0;
  private i10 = 0;
  private i11 = 0;
  private fx = 0;
  private fy = 0;

  constructor(private readonly plane: LowResPlane) {
    this.sx = plane.width / plane.roi.width;
    this.sy = plane.height / plane.roi.height;
  }

  /** Prepares sampling at frame pixel (x, y); false when it lies outside the roi. */
  locate(x: number, y: number): boolean {
    const { roi, width: w, height: h } = this.plane;
    const cx = x + 0.5 - roi.x;
    const cy = y + 0.5 - roi.y;
    if (cx < 0 || cy < 0 || cx >= roi.width || cy >= roi.height) return false;
    const u = Math.min(Math.max(cx * this.sx - 0.5, 0), w - 1);
    const v = Math.min(Math.max(cy * this.sy - 0.5, 0), h - 1);
    const u0 = Math.floor(u);
    const v0 = Math.floor(v);
    const u1 = Math.min(u0 + 1, w - 1);
    const v1 = Math.min(v0 + 1, h - 1);
    this.fx = u - u0;
    this.fy = v - v0;
    this.i00 = v0 * w + u0;
    this.i01 = v0 * w + u1;
    this.i10 = v1 * w + u0;
    this.i11 = v1 * w + u1;
    return true;
  }

  sample(values: Float32Array): number {
    const top = values[this.i00] + (values[this.i01] - values[this.i00]) * this.fx;
    const bottom = values[this.i10] + (values[this.i11] - values[this.i10]) * this.fx;
    return top + (bottom - top) * this.fy;
  }
}
