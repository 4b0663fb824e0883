/**
 * Left-right mirroring for test-time flip averaging: the model sees the picture and its mirror
 * image, and the two mattes, the second mirrored back, are averaged (the network is not exactly
 * symmetric, and the mean of its two answers errs less than either).
 */

/** A left-right mirrored copy of an image of `channels` interleaved values per pixel. */
export function mirrorRows<T extends Uint8Array | Float32Array>(pixels: T, width: number, height: number, channels: number): T {
  const out = new (pixels.constructor as { new (n: number): T })(pixels.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width; x++) {
      const from = row + x * channels;
      const to = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = pixels[from + c];
    }
  }
  return out;
}

/**
 * Mirrors `rows` rows of `width` single values in place (a planar tensor is planes x height rows).
 * Swaps within each row: no view or copy is made per row, as this runs twice a frame.
 */
export function mirrorRowsInPlace(values: Float32Array, width: number, rows: number): void {
  for (let row = 0; row < rows * width; row += width) {
    for (let left = row, right = row + width - 1; left < right; left++, right--) {
      const v = values[left];
      values[left] = values[right];
      values[right] = v;
    }
  }
}

/** into = (into + mirror(mirrored)) / 2, for one-value-per-pixel planes. */
export function averageMirrored(into: Float32Array, mirrored: Float32Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) into[row + x] = 0.5 * (into[row + x] + mirrored[row + width - 1 - x]);
  }
}
