import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/config/paths.js';
import { setLogSink } from '../../src/log.js';
import type { Frame } from '../../src/pipeline/frame.js';

export const SHIPPED_MANIFEST = join(packageRoot(), 'models', 'facemat-student.json');
export const SHIPPED_MODEL = join(packageRoot(), 'models', 'facemat-student.onnx');

/** A fresh temp folder; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'facemat-matte-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function shippedManifestJson(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(SHIPPED_MANIFEST, 'utf8'));
}

/**
 * A copy of the shipped model in `dir` as NAME.onnx + NAME.json, with the manifest edited by
 * `edit` and the model bytes by `bytes` (e.g. truncated).
 */
export async function modelCopy(
  dir: string,
  name: string,
  edit: (manifest: Record<string, any>) => void = () => undefined,
  bytes?: (model: Buffer) => Buffer,
): Promise<string> {
  const manifest = await shippedManifestJson();
  manifest.file = `${name}.onnx`;
  edit(manifest);
  const onnx = join(dir, `${name}.onnx`);
  if (bytes) await writeFile(onnx, bytes(await readFile(SHIPPED_MODEL)));
  else await copyFile(SHIPPED_MODEL, onnx);
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(manifest, null, 2));
  return path;
}

/** Collects log lines until `stop()` (which restores the previous writer). */
export function captureLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  return { lines, stop: () => setLogSink(previous) };
}

/** An unpooled frame over `rgba`. */
export function frameOf(seq: number, width: number, height: number, rgba: Uint8Array): Frame {
  const frame: Frame = { seq, captureMs: seq * 33, width, height, rgba, retain: () => frame, release: () => undefined };
  return frame;
}

/** A small deterministic PRNG so "noise" is the same on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A synthetic webcam picture: a vertical background gradient with a skin-toned ellipse (the face),
 * optional dark rectangle (an occluder) and optional sensor noise of +-`noise` levels.
 */
export function synthFace(
  width: number,
  height: number,
  options: { occluder?: { x: number; y: number; width: number; height: number }; noise?: number; seed?: number } = {},
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const random = prng(options.seed ?? 1);
  const cx = width / 2;
  const cy = height / 2;
  const rx = height * 0.22;
  const ry = height * 0.3;
  const occ = options.occluder;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      let r = 40 + (120 * y) / height;
      let g = 60 + (100 * y) / height;
      let b = 90 + (60 * y) / height;
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      if (dx * dx + dy * dy <= 1) {
        r = 224;
        g = 172;
        b = 140;
      }
      if (occ && x >= occ.x && x < occ.x + occ.width && y >= occ.y && y < occ.y + occ.height) {
        r = 30;
        g = 25;
        b = 20;
      }
      const n = options.noise ? Math.round((random() * 2 - 1) * options.noise) : 0;
      rgba[i] = Math.max(0, Math.min(255, r + n));
      rgba[i + 1] = Math.max(0, Math.min(255, g + n));
      rgba[i + 2] = Math.max(0, Math.min(255, b + n));
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}
