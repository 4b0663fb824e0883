/** An RGBA8 image, tightly packed. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * Box-filters `src` down by the smallest whole factor that makes it at most `maxWidth` wide,
 * writing into `reuse` when it is big enough (previews run every frame; no allocation per
 * frame). Always copies, so the caller may hand the pipeline's buffer back right after.
 */
export function downscaleRgba(src: RgbaImage, maxWidth: number, reuse?: Uint8Array): RgbaImage {
  const factor = Math.max(1, Math.ceil(src.width / maxWidth));
  const width = Math.max(1, Math.floor(src.width / factor));
  const height = Math.max(1, Math.floor(src.height / factor));
  const bytes = width * height * 4;
  const out = reuse && reuse.length >= bytes ? reuse.subarray(0, bytes) : new Uint8Array(bytes);
  if (factor === 1) {
    out.set(src.rgba.subarray(0, bytes));
    return { width, height, rgba: out };
  }
  const area = factor * factor;
  const rowBytes = src.width * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let dy = 0; dy < factor; dy++) {
        let s = (y * factor + dy) * rowBytes + x * factor * 4;
        for (let dx = 0; dx < factor; dx++, s += 4) {
          r += src.rgba[s];
          g += src.rgba[s + 1];
          b += src.rgba[s + 2];
          a += src.rgba[s + 3];
        }
      }
      const d = (y * width + x) * 4;
      out[d] = r / area;
      out[d + 1] = g / area;
      out[d + 2] = b / area;
      out[d + 3] = a / area;
    }
  }
  return { width, height, rgba: out };
}
