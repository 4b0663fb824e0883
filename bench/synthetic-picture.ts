/**
 * The RGBA test picture the compositor and conversion benchmarks share: something like a webcam
 * picture, smooth shading plus seeded sensor noise, so JPEG sizes and filter work stay realistic
 * and every run measures the same pixels. Not a bench section itself (bench/run.ts lists those).
 */
export function webcamLikePicture(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 24) / 16;
      const i = (y * width + x) * 4;
      rgba[i] = 150 + 60 * Math.sin(x / 37) + noise;
      rgba[i + 1] = 110 + 40 * Math.cos(y / 23) + noise;
      rgba[i + 2] = 90 + 30 * Math.sin((x + y) / 51) + noise;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}
