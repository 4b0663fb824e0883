import { execFileSync } from 'node:child_process';

/** A JPEG of an RGBA picture made by ffmpeg's own MJPEG encoder (not by the code under test). */
export function ffmpegJpeg(rgba: Uint8Array, width: number, height: number, pixFmt: 'yuvj420p' | 'yuvj444p' = 'yuvj420p'): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-i', 'pipe:0',
      '-frames:v', '1', '-pix_fmt', pixFmt, '-q:v', '2', '-f', 'mjpeg', 'pipe:1'],
    { input: rgba, maxBuffer: 64 << 20 },
  );
}

/** ffmpeg's decoding of a JPEG to RGBA, as an independent reference. */
export function ffmpegDecode(jpeg: Uint8Array): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'mjpeg', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], {
    input: jpeg,
    maxBuffer: 64 << 20,
  });
}

/** Peak signal-to-noise ratio over the colour channels, in dB. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    sum += (a[i] - b[i]) ** 2;
    count++;
  }
  const mse = sum / count;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

export function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
