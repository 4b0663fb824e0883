/** An RGBA8 image, tightly packed. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Box-filters `src` down by the smallest whole factor that makes it at most `maxWidth` wide,
 * writing into `reuse` when it is big enough (previews run every frame; no allocation per
 * frame). Always copies, so the caller may hand the pipeline's buffer back right after. This
 * runs on the pipeline's thread, so it works on whole pixels (see boxFilterPacked).
 */
export function downscaleRgba(src: RgbaImage, maxWidth: number, reuse?: Uint8Array): RgbaImage {
  const factor = Math.max(1, Math.ceil(src.width / maxWidth));
  const width = Math.max(1, Math.floor(src.width / factor));
  const height = Math.max(1, Math.floor(src.height / factor));
  const bytes = width * height * 4;
  const out = reuse && reuse.length >= bytes ? reuse.subarray(0, bytes) : new Uint8Array(bytes);
  if (factor === 1) {
    out.set(src.rgba.subarray(0, bytes));
  } else if (src.rgba.byteOffset % 4 === 0 && out.byteOffset % 4 === 0 && factor <= 16) {
    boxFilterPacked(src, factor, width, height, out);
  } else {
    boxFilterBytes(src, factor, width, height, out);
  }
  return { width, height, rgba: out };
}

/**
 * Box filter on 32-bit pixels, two channels per add: masking with 0x00ff00ff leaves R and B (or
 * G and A) in 16-bit lanes that hold sums of up to 257 pixels, so a factor of at most 16 never
 * carries into the next lane. About ten times faster than going byte by byte.
 */
function boxFilterPacked(src: RgbaImage, factor: number, width: number, height: number, out: Uint8Array): void {
  const s = new Uint32Array(src.rgba.buffer, src.rgba.byteOffset, src.width * src.height);
  const d = new Uint32Array(out.buffer, out.byteOffset, width * height);
  if (factor === 2) {
    halvePacked(s, src.width, d, width, height);
    return;
  }
  const area = factor * factor;
  const half = area >> 1; // rounds to nearest
  for (let y = 0; y < height; y++) {
    const rowStart = y * factor * src.width;
    for (let x = 0; x < width; x++) {
      let even = 0; // R and B lanes
      let odd = 0; // G and A lanes
      let p = rowStart + x * factor;
      for (let dy = 0; dy < factor; dy++, p += src.width) {
        for (let dx = 0; dx < factor; dx++) {
          const v = s[p + dx];
          even += v & 0x00ff00ff;
          odd += (v >>> 8) & 0x00ff00ff;
        }
      }
      const r = (((even & 0xffff) + half) / area) | 0;
      const b = (((even >>> 16) + half) / area) | 0;
      const g = (((odd & 0xffff) + half) / area) | 0;
      const a = (((odd >>> 16) + half) / area) | 0;
      d[y * width + x] = (r | (g << 8) | (b << 16) | (a << 24)) >>> 0;
    }
  }
}

/** 720p to 360p, the usual case, unrolled: four pixels in, lanes averaged with a shift. */
function halvePacked(s: Uint32Array, srcWidth: number, d: Uint32Array, width: number, height: number): void {
  const M = 0x00ff00ff;
  for (let y = 0; y < height; y++) {
    let p = 2 * y * srcWidth;
    let q = p + srcWidth;
    let o = y * width;
    for (let x = 0; x < width; x++, p += 2, q += 2, o++) {
      const a = s[p];
      const b = s[p + 1];
      const c = s[q];
      const e = s[q + 1];
      const even = (a & M) + (b & M) + (c & M) + (e & M) + 0x00020002;
      const odd = ((a >>> 8) & M) + ((b >>> 8) & M) + ((c >>> 8) & M) + ((e >>> 8) & M) + 0x00020002;
      d[o] = (((even >>> 2) & M) | (((odd >>> 2) & M) << 8)) >>> 0;
    }
  }
}

/** The same filter byte by byte, for buffers that do not start on a 4-byte boundary. */
function boxFilterBytes(src: RgbaImage, factor: number, width: number, height: number, out: Uint8Array): void {
  const area = factor * factor;
  const half = area >> 1;
  const rowBytes = src.width * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sum = [0, 0, 0, 0];
      for (let dy = 0; dy < factor; dy++) {
        let s = (y * factor + dy) * rowBytes + x * factor * 4;
        for (let dx = 0; dx < factor; dx++, s += 4) {
          for (let c = 0; c < 4; c++) sum[c] += src.rgba[s + c];
        }
      }
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) out[o + c] = ((sum[c] + half) / area) | 0;
    }
  }
}
