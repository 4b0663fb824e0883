import type { Rect } from '../frame.js';

/**
 * The `resizeToTensor` contract, shared by the native addon's C++ version and TensorResizer below:
 * resample `roi` of an RGBA8 image (width x height, stride width*4) to dstW x dstH and write planar
 * float32 R, G, B planes (3 x dstH x dstW) with value = (pixel / scale - mean[c]) / std[c].
 *
 * Sampling, per axis, with s = roi size / dst size (the same rules as native/src/resize.cc):
 * - s > 2 (strong downscale, where bilinear would skip pixels and alias): area average. Destination
 *   pixel d covers [roi.start + d*s, roi.start + (d+1)*s) and each source pixel weighs by its
 *   overlap with that interval, divided by s.
 * - s <= 2: bilinear with half-pixel centres, p = roi.start + (d + 0.5)*s - 0.5, taps clamped to the
 *   image, except that a destination pixel whose centre falls outside the image is black.
 * Outside the image the source is black (pixel 0): a roi that extends past the frame letterboxes.
 */
export type ResizeToTensor = (
  src: Uint8Array,
  width: number,
  height: number,
  roi: Rect,
  dst: Float32Array,
  dstW: number,
  dstH: number,
  mean: readonly number[],
  std: readonly number[],
  scale: number,
) => void;

/** Per-axis resampling taps: destination d reads count[d] consecutive pixels from start[d]. */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  /** weights[d * maxTaps + k] for tap k of destination d. */
  weights: Float32Array;
  maxTaps: number;
  /** Lowest and highest source index any tap reads (-1 when none do). */
  first: number;
  last: number;
}

export function axisTaps(srcLen: number, roiStart: number, roiLen: number, dstLen: number): AxisTaps {
  const s = roiLen / dstLen;
  const area = s > 2;
  const maxTaps = area ? Math.ceil(s) + 1 : 2;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  const weights = new Float32Array(dstLen * maxTaps);
  let first = Infinity;
  let last = -1;
  for (let d = 0; d < dstLen; d++) {
    let n = 0;
    let from = 0;
    if (area) {
      const a = roiStart + d * s;
      const b = a + s;
      const lo = Math.max(0, Math.floor(a));
      const hi = Math.min(srcLen - 1, Math.ceil(b) - 1);
      from = lo;
      for (let i = lo; i <= hi; i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 0) weights[d * maxTaps + n] = overlap / s;
        else weights[d * maxTaps + n] = 0;
        n++;
      }
    } else {
      const centre = roiStart + (d + 0.5) * s;
      if (centre >= 0 && centre < srcLen) {
        const p = centre - 0.5;
        const i0 = Math.floor(p);
        const f = p - i0;
        const lo = Math.max(0, i0);
        const hi = Math.min(srcLen - 1, i0 + 1);
        from = lo;
        if (lo === hi) {
          weights[d * maxTaps] = 1;
          n = 1;
        } else {
          weights[d * maxTaps] = 1 - f;
          weights[d * maxTaps + 1] = f;
          n = 2;
        }
      }
    }
    start[d] = from;
    count[d] = n;
    if (n > 0) {
      first = Math.min(first, from);
      last = Math.max(last, from + n - 1);
    }
  }
  return { start, count, weights, maxTaps, first: last < 0 ? -1 : first, last };
}

/**
 * The TypeScript resizeToTensor: separable (a horizontal pass over the source rows the roi needs,
 * then a vertical pass), with the tap tables and the intermediate buffer kept between calls and
 * rebuilt only when the geometry changes, so a steady stream of frames allocates nothing.
 */
export class TensorResizer {
  private geometry = '';
  private xTaps: AxisTaps | null = null;
  private yTaps: AxisTaps | null = null;
  /** Horizontal pass output: one row of dstW RGB triplets per source row first..last. */
  private rows = new Float32Array(0);

  readonly resize: ResizeToTensor = (src, width, height, roi, dst, dstW, dstH, mean, std, scale) => {
    if (src.length < width * height * 4) throw new RangeError(`source has ${src.length} bytes, ${width}x${height} RGBA needs ${width * height * 4}`);
    if (dst.length < 3 * dstW * dstH) throw new RangeError(`tensor has ${dst.length} values, 3x${dstH}x${dstW} needs ${3 * dstW * dstH}`);
    this.prepare(width, height, roi, dstW, dstH);
    const xt = this.xTaps!;
    const yt = this.yTaps!;
    const rows = this.rows;
    const plane = dstW * dstH;
    const gain0 = 1 / (scale * std[0]);
    const gain1 = 1 / (scale * std[1]);
    const gain2 = 1 / (scale * std[2]);
    const bias0 = -mean[0] / std[0];
    const bias1 = -mean[1] / std[1];
    const bias2 = -mean[2] / std[2];

    if (yt.last >= 0 && xt.last >= 0) {
      const { start: xs, count: xc, weights: xw, maxTaps: xm } = xt;
      for (let y = yt.first; y <= yt.last; y++) {
        const srcRow = y * width * 4;
        let out = (y - yt.first) * dstW * 3;
        for (let dx = 0; dx < dstW; dx++, out += 3) {
          let r = 0;
          let g = 0;
          let b = 0;
          let p = srcRow + xs[dx] * 4;
          const wBase = dx * xm;
          for (let k = 0, n = xc[dx]; k < n; k++, p += 4) {
            const w = xw[wBase + k];
            r += src[p] * w;
            g += src[p + 1] * w;
            b += src[p + 2] * w;
          }
          rows[out] = r;
          rows[out + 1] = g;
          rows[out + 2] = b;
        }
      }
    }

    const { start: ys, count: yc, weights: yw, maxTaps: ym } = yt;
    const rowStride = dstW * 3;
    for (let dy = 0; dy < dstH; dy++) {
      const n = yc[dy];
      const wBase = dy * ym;
      const rowBase = (ys[dy] - yt.first) * rowStride;
      let o = dy * dstW;
      for (let dx = 0; dx < dstW; dx++, o++) {
        let r = 0;
        let g = 0;
        let b = 0;
        let q = rowBase + dx * 3;
        for (let k = 0; k < n; k++, q += rowStride) {
          const w = yw[wBase + k];
          r += rows[q] * w;
          g += rows[q + 1] * w;
          b += rows[q + 2] * w;
        }
        dst[o] = r * gain0 + bias0;
        dst[o + plane] = g * gain1 + bias1;
        dst[o + 2 * plane] = b * gain2 + bias2;
      }
    }
  };

  private prepare(width: number, height: number, roi: Rect, dstW: number, dstH: number): void {
    const key = `${width}x${height} ${roi.x},${roi.y},${roi.width},${roi.height} ${dstW}x${dstH}`;
    if (key === this.geometry) return;
    if (!(roi.width > 0 && roi.height > 0 && dstW > 0 && dstH > 0)) throw new RangeError(`empty resize: roi ${roi.width}x${roi.height} -> ${dstW}x${dstH}`);
    this.xTaps = axisTaps(width, roi.x, roi.width, dstW);
    this.yTaps = axisTaps(height, roi.y, roi.height, dstH);
    const needed = this.yTaps.last >= 0 ? (this.yTaps.last - this.yTaps.first + 1) * dstW * 3 : 0;
    if (this.rows.length < needed) this.rows = new Float32Array(needed);
    // Rows no tap reads stay zero (black), which is what columns without taps contribute as well.
    this.rows.fill(0);
    this.geometry = key;
  }
}
