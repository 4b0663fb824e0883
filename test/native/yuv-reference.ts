/**
 * The textbook formulas (ITU-R BT.601 / BT.709, limited range), in floating point, that the
 * addon's fixed-point conversions are checked against. Deliberately written as differently from
 * the C++ as possible: per pixel, no shared coefficients tables.
 */
export type Matrix = 'bt601' | 'bt709';

const K: Record<Matrix, { kr: number; kb: number }> = {
  bt601: { kr: 0.299, kb: 0.114 },
  bt709: { kr: 0.2126, kb: 0.0722 },
};

const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));

/** One RGB triple (0-255) to limited-range Y, Cb, Cr (unrounded). */
export function rgbToYuv(r: number, g: number, b: number, matrix: Matrix = 'bt601'): [number, number, number] {
  const { kr, kb } = K[matrix];
  const kg = 1 - kr - kb;
  const y = kr * r + kg * g + kb * b; // 0..255
  const pb = (b - y) / (2 * (1 - kb)); // -127.5..127.5
  const pr = (r - y) / (2 * (1 - kr));
  return [16 + (219 / 255) * y, 128 + (224 / 255) * pb, 128 + (224 / 255) * pr];
}

/** Limited-range Y, Cb, Cr to RGB, clamped and rounded. */
export function yuvToRgb(y: number, cb: number, cr: number, matrix: Matrix = 'bt601'): [number, number, number] {
  const { kr, kb } = K[matrix];
  const kg = 1 - kr - kb;
  const luma = ((y - 16) * 255) / 219;
  const pb = ((cb - 128) * 255) / 224;
  const pr = ((cr - 128) * 255) / 224;
  const r = luma + 2 * (1 - kr) * pr;
  const b = luma + 2 * (1 - kb) * pb;
  const g = (luma - kr * r - kb * b) / kg;
  return [clamp(r), clamp(g), clamp(b)];
}

/** Reference RGBA -> YUYV: luma per pixel, chroma of the pair's average colour. */
export function referenceYuyv(rgba: Uint8Array, width: number, height: number, matrix: Matrix = 'bt601'): Uint8Array {
  const out = new Uint8Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const a = (y * width + x) * 4;
      const b = a + 4;
      const [y0] = rgbToYuv(rgba[a], rgba[a + 1], rgba[a + 2], matrix);
      const [y1] = rgbToYuv(rgba[b], rgba[b + 1], rgba[b + 2], matrix);
      const [, cb, cr] = rgbToYuv((rgba[a] + rgba[b]) / 2, (rgba[a + 1] + rgba[b + 1]) / 2, (rgba[a + 2] + rgba[b + 2]) / 2, matrix);
      const o = (y * width + x) * 2;
      out.set([clamp(y0), clamp(cb), clamp(y1), clamp(cr)], o);
    }
  }
  return out;
}

/** Reference RGBA -> I420: chroma of each 2x2 block's average, edges repeated for odd sizes. */
export function referenceI420(rgba: Uint8Array, width: number, height: number, matrix: Matrix = 'bt601'): Uint8Array {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const out = new Uint8Array(width * height + 2 * cw * ch);
  const px = (x: number, y: number) => (Math.min(y, height - 1) * width + Math.min(x, width - 1)) * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = px(x, y);
      out[y * width + x] = clamp(rgbToYuv(rgba[p], rgba[p + 1], rgba[p + 2], matrix)[0]);
    }
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const sum = [0, 0, 0];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = px(2 * cx + dx, 2 * cy + dy);
        for (let c = 0; c < 3; c++) sum[c] += rgba[p + c] / 4;
      }
      const [, cb, cr] = rgbToYuv(sum[0], sum[1], sum[2], matrix);
      out[width * height + cy * cw + cx] = clamp(cb);
      out[width * height + cw * ch + cy * cw + cx] = clamp(cr);
    }
  }
  return out;
}

/** Reference 4:2:0 planes (Y, then Cb/Cr at half size) -> RGBA. */
export function reference420ToRgba(
  luma: (x: number, y: number) => number,
  cb: (cx: number, cy: number) => number,
  cr: (cx: number, cy: number) => number,
  width: number,
  height: number,
  matrix: Matrix = 'bt601',
): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = yuvToRgb(luma(x, y), cb(x >> 1, y >> 1), cr(x >> 1, y >> 1), matrix);
      out.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return out;
}

/** Largest absolute difference between two byte arrays of one length. */
export function maxDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Deterministic pseudo-random RGBA (alpha 255), so failures reproduce. */
export function randomRgba(width: number, height: number, seed = 1): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (i & 3) === 3 ? 255 : (state >>> 0) & 255;
  }
  return out;
}

/** A smooth RGBA test picture: gradients in all three channels. */
export function gradientRgba(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = Math.round((255 * x) / Math.max(1, width - 1));
      out[o + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      out[o + 2] = Math.round((255 * (x + y)) / Math.max(1, width + height - 2));
      out[o + 3] = 255;
    }
  }
  return out;
}
