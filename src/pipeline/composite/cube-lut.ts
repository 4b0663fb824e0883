import { readFileSync } from 'node:fs';

/**
 * A 3D colour lookup table from an Adobe/Resolve `.cube` file: LUT_3D_SIZE n, n^3 lines of
 * "r g b" with red changing fastest, then green, then blue; optional TITLE, DOMAIN_MIN and
 * DOMAIN_MAX (input range, default 0..1) and # comments.
 */
export interface CubeLut {
  readonly title: string;
  readonly size: number;
  readonly domainMin: readonly [number, number, number];
  readonly domainMax: readonly [number, number, number];
  /** size^3 RGB triples, red fastest. */
  readonly table: Float32Array;
}

/** A .cube file that cannot be used; the message names the file and line. */
export class CubeLutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CubeLutError';
  }
}

/** Largest n whose atlas (n * n texels wide) fits the 16384-texel texture limit of llvmpipe. */
export const MAX_LUT_SIZE = 128;

export function loadCubeLut(path: string): CubeLut {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CubeLutError(`cannot read LUT ${path}: ${(err as Error).message}`);
  }
  return parseCubeLut(text, path);
}

export function parseCubeLut(text: string, source = '<cube>'): CubeLut {
  let title = '';
  let size = 0;
  let domainMin: [number, number, number] = [0, 0, 0];
  let domainMax: [number, number, number] = [1, 1, 1];
  let table: Float32Array | null = null;
  let count = 0;
  const lines = text.split(/\r?\n/);
  const fail = (lineIndex: number, message: string): never => {
    throw new CubeLutError(`${source}:${lineIndex + 1}: ${message}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const keyword = words[0].toUpperCase();
    if (/^[-+.\d]/.test(words[0])) {
      if (!table) fail(i, 'colour data before LUT_3D_SIZE');
      if (words.length !== 3) fail(i, `expected "r g b", got "${line}"`);
      if (count >= size * size * size) fail(i, `more than ${size}^3 = ${size ** 3} data lines`);
      for (let c = 0; c < 3; c++) {
        const v = Number(words[c]);
        if (!Number.isFinite(v)) fail(i, `"${words[c]}" is not a number`);
        table![count * 3 + c] = v;
      }
      count++;
      continue;
    }
    switch (keyword) {
      case 'TITLE':
        title = line.slice(5).trim().replace(/^"(.*)"$/, '$1');
        break;
      case 'LUT_3D_SIZE': {
        if (table) fail(i, 'LUT_3D_SIZE given twice');
        size = Number(words[1]);
        if (!Number.isInteger(size) || size < 2 || size > MAX_LUT_SIZE) fail(i, `LUT_3D_SIZE must be an integer in [2, ${MAX_LUT_SIZE}]`);
        table = new Float32Array(size * size * size * 3);
        break;
      }
      case 'LUT_1D_SIZE':
        fail(i, 'a 1D LUT; only 3D LUTs (LUT_3D_SIZE) are supported');
        break;
      case 'DOMAIN_MIN':
      case 'DOMAIN_MAX': {
        const v = words.slice(1).map(Number);
        if (v.length !== 3 || !v.every(Number.isFinite)) fail(i, `${keyword} needs three numbers`);
        if (keyword === 'DOMAIN_MIN') domainMin = [v[0], v[1], v[2]];
        else domainMax = [v[0], v[1], v[2]];
        break;
      }
      case 'LUT_3D_INPUT_RANGE': {
        const v = words.slice(1).map(Number);
        if (v.length !== 2 || !v.every(Number.isFinite)) fail(i, 'LUT_3D_INPUT_RANGE needs two numbers');
        domainMin = [v[0], v[0], v[0]];
        domainMax = [v[1], v[1], v[1]];
        break;
      }
      default:
        fail(i, `unknown keyword "${words[0]}"`);
    }
  }
  if (!table) throw new CubeLutError(`${source}: no LUT_3D_SIZE line`);
  if (count !== size * size * size) throw new CubeLutError(`${source}: ${count} data lines, LUT_3D_SIZE ${size} needs ${size ** 3}`);
  for (let c = 0; c < 3; c++) {
    if (!(domainMax[c] > domainMin[c])) throw new CubeLutError(`${source}: DOMAIN_MAX must be above DOMAIN_MIN`);
  }
  return { title, size, domainMin, domainMax, table };
}

/**
 * The LUT as an RGBA8 texture atlas for WebGL 1 (no 3D textures): the n blue slices side by
 * side, (n * n) x n texels, texel (r + b * n, g) = table[r, g, b]. Values are clamped to [0, 1].
 */
export function lutAtlas(lut: CubeLut): { width: number; height: number; rgba: Uint8Array } {
  const n = lut.size;
  const width = n * n;
  const rgba = new Uint8Array(width * n * 4);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < n; g++) {
      for (let r = 0; r < n; r++) {
        const src = ((b * n + g) * n + r) * 3;
        const dst = (g * width + b * n + r) * 4;
        for (let c = 0; c < 3; c++) rgba[dst + c] = Math.round(Math.min(1, Math.max(0, lut.table[src + c])) * 255);
        rgba[dst + 3] = 255;
      }
    }
  }
  return { width, height: n, rgba };
}
