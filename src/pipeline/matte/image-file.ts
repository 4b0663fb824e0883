import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { decodeJpeg, jpegSize, nativeStatus } from '../../native/index.js';

/** A decoded still image, RGBA8, tightly packed. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes a PNG (pngjs) or JPEG (the native addon's libjpeg-turbo decoder, or ffmpeg when the
 * addon is not built) by its content, not its name. Throws an Error whose message says what is
 * wrong with the file.
 */
export async function decodeImageFile(path: string): Promise<DecodedImage> {
  const bytes = await readFile(path);
  if (bytes.length === 0) throw new Error('empty file');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return nativeStatus().ok ? decodeJpegNative(bytes) : decodeWithFfmpeg(path);
  }
  throw new Error('not a PNG or JPEG image');
}

function decodePng(bytes: Buffer): DecodedImage {
  try {
    // pngjs converts every colour type and bit depth to RGBA8.
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  } catch (err) {
    throw new Error(`broken PNG (${(err as Error).message})`);
  }
}

function decodeJpegNative(bytes: Buffer): DecodedImage {
  try {
    const { width, height } = jpegSize(bytes);
    const rgba = new Uint8Array(width * height * 4);
    decodeJpeg(bytes, rgba);
    return { width, height, rgba };
  } catch (err) {
    throw new Error(`broken JPEG (${(err as Error).message})`);
  }
}

/** Any image ffmpeg reads, as RGBA via its PAM encoder (whose header carries the size). */
export function decodeWithFfmpeg(path: string): Promise<DecodedImage> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-v', 'error', '-i', path, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'pam', '-pix_fmt', 'rgba', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ffmpeg to decode it (${err.message}); build the native addon or install ffmpeg`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`ffmpeg cannot decode it (${stderr.trim().split('\n').pop() || `exit ${code}`})`));
        return;
      }
      try {
        resolve(parsePam(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** A PAM (P7) image with DEPTH 4, MAXVAL 255, as `ffmpeg -c:v pam -pix_fmt rgba` writes it. */
export function parsePam(data: Buffer): DecodedImage {
  const end = data.indexOf('ENDHDR\n');
  if (data.subarray(0, 3).toString() !== 'P7\n' || end < 0) throw new Error('decoder output is not a PAM image');
  const header = new Map<string, string>();
  for (const line of data.subarray(3, end).toString().split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key) header.set(key, rest.join(' '));
  }
  const width = Number(header.get('WIDTH'));
  const height = Number(header.get('HEIGHT'));
  if (header.get('DEPTH') !== '4' || header.get('MAXVAL') !== '255' || !(width > 0 && height > 0)) {
    throw new Error(`unexpected PAM header (${[...header].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  }
  const pixels = data.subarray(end + 'ENDHDR\n'.length);
  if (pixels.length < width * height * 4) throw new Error(`truncated PAM image (${pixels.length} of ${width * height * 4} bytes)`);
  return { width, height, rgba: new Uint8Array(pixels.buffer, pixels.byteOffset, width * height * 4) };
}

/** An 8-bit grayscale PNG of values in [0,1] (rounded, clamped). */
export function encodeGrayPng(values: Float32Array, width: number, height: number): Buffer {
  const gray = Buffer.alloc(width * height);
  for (let i = 0; i < gray.length; i++) {
    const v = Math.round(values[i] * 255);
    gray[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return PNG.sync.write({ width, height, data: gray } as PNG, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}
