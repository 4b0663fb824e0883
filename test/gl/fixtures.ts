/**
 * Shared inputs and helpers of the GL tests: the fixed 160x120 frame and 64x64 matte of
 * fixtures/ (made by fixtures/make_fixtures.py), synthetic mattes, PNG I/O and image comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { defaultSettings, FILTER_NAMES, type FilterInstance, type FilterName, type FilterSettings } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import type { Frame, Matte, Rect } from '../../src/pipeline/frame.js';

export const W = 160;
export const H = 120;
/** Where fixtures/matte.png lies in the frame; must match make_fixtures.py. */
export const FIXTURE_ROI: Rect = { x: 30, y: 24, width: 96, height: 96 };
export const GOLDEN_DIR = new URL('./golden/', import.meta.url).pathname;
const FIXTURE_DIR = new URL('./fixtures/', import.meta.url).pathname;

export function readPng(path: string): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}

export function writePng(path: string, width: number, height: number, rgba: Uint8Array): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba);
  writeFileSync(path, PNG.sync.write(png));
}

export function frameOf(rgba: Uint8Array, width = W, height = H, seq = 1): Frame {
  const frame: Frame = { seq, captureMs: seq * 33, width, height, rgba, retain: () => frame, release: () => {} };
  return frame;
}

export function fixtureFrame(): Frame {
  const png = readPng(join(FIXTURE_DIR, 'frame.png'));
  return frameOf(new Uint8Array(png.data));
}

export function fixtureMatte(): Matte {
  const png = readPng(join(FIXTURE_DIR, 'matte.png'));
  const alpha = new Float32Array(png.width * png.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = png.data[i * 4] / 255;
  return { seq: 1, captureMs: 33, width: png.width, height: png.height, alpha, uncertainty: null, roi: { ...FIXTURE_ROI }, empty: false };
}

/** A matte of one value everywhere in `roi` (default: the whole frame). */
export function uniformMatte(value: number, roi: Rect = { x: 0, y: 0, width: W, height: H }, size = 32): Matte {
  return { seq: 1, captureMs: 33, width: size, height: size, alpha: new Float32Array(size * size).fill(value), uncertainty: null, roi, empty: false };
}

/** The fixture matte with an uncertainty map that is high along the matte's edges. */
export function fixtureMatteWithUncertainty(): Matte {
  const m = fixtureMatte();
  const u = new Float32Array(m.alpha.length);
  for (let i = 0; i < u.length; i++) u[i] = 4 * m.alpha[i] * (1 - m.alpha[i]);
  return { ...m, uncertainty: u };
}

/** A chain with only `name` enabled (with `settings` over its defaults), the others disabled. */
export function only(name: FilterName, settings: FilterSettings = {}): FilterInstance[] {
  return FILTER_NAMES.map((n) => ({ name: n, enabled: n === name, settings: { ...defaultSettings(n), ...(n === name ? settings : {}) } }));
}

/** One configuration per face filter, as the golden and property tests run them. */
export const FILTER_CASES: ReadonlyArray<{ id: string; chain: FilterInstance[] }> = [
  { id: 'beautify', chain: only('beautify', { strength: 1, radius: 8 }) },
  { id: 'toon', chain: only('toon') },
  { id: 'sketch', chain: only('sketch') },
  { id: 'recolor-tint', chain: only('recolor', { amount: 0.6 }) },
  { id: 'recolor-lut', chain: only('recolor', { amount: 1, lut: 'assets/luts/warm-film.cube' }) },
  { id: 'anonymize-pixelate', chain: only('anonymize', { blockSize: 40 }) },
  { id: 'anonymize-blur', chain: only('anonymize', { mode: 'blur', blockSize: 40 }) },
  { id: 'facepaint-stripes', chain: only('facepaint') },
  { id: 'facepaint-image', chain: only('facepaint', { pattern: 'image', opacity: 1 }) },
  // Every face filter at once, in catalogue order: a long ping-pong chain.
  { id: 'all-filters', chain: FILTER_NAMES.map((n) => ({ name: n, enabled: n !== 'matte', settings: defaultSettings(n) })) },
];

export interface ImageDiff {
  /** Largest per-channel difference. */
  max: number;
  /** Mean per-channel difference over RGB. */
  mean: number;
  /** Share of RGB channel values that differ by more than `tolerance`. */
  over: number;
}

/** Compares RGB (alpha ignored) of two RGBA images of the same size. */
export function diff(a: Uint8Array, b: Uint8Array, tolerance: number): ImageDiff {
  if (a.length !== b.length) throw new Error(`images differ in size: ${a.length} vs ${b.length} bytes`);
  let max = 0;
  let sum = 0;
  let over = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (d > tolerance) over++;
    sum += d;
    n++;
  }
  return { max, mean: sum / n, over: over / n };
}

/** Pixel indices (y * width + x) whose RGBA differs between a and b. */
export function changedPixels(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let p = 0; p < a.length / 4; p++) {
    const i = p * 4;
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) out.push(p);
  }
  return out;
}
