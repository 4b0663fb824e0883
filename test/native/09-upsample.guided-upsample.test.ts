import assert from 'node:assert/strict';
import { guidedUpsample } from '../../src/native/index.js';
import type { Roi } from '../../src/native/index.js';
import { DEFAULT_GUIDED, type GuidedUpsampleOptions, guidedUpsampleTypeScript } from '../../src/pipeline/matte/upsample.js';
import { randomRgba } from './yuv-reference.js';

/** The acceptance tolerance on alpha: one 8-bit step. */
const TOLERANCE = 1 / 255;

interface Case {
  alpha: Float32Array;
  alphaWidth: number;
  alphaHeight: number;
  roi: Roi;
  rgba: Uint8Array;
  width: number;
  height: number;
  options?: GuidedUpsampleOptions;
}

function nativeAlpha(c: Case): Float32Array {
  const { radius, eps } = c.options ?? DEFAULT_GUIDED;
  const out = new Float32Array(c.width * c.height).fill(NaN);
  guidedUpsample(c.alpha, c.alphaWidth, c.alphaHeight, c.roi, c.rgba, c.width, c.height, out, radius, eps);
  return out;
}

function nativeGray(c: Case): Uint8Array {
  const { radius, eps } = c.options ?? DEFAULT_GUIDED;
  const out = new Uint8Array(c.width * c.height).fill(77);
  guidedUpsample(c.alpha, c.alphaWidth, c.alphaHeight, c.roi, c.rgba, c.width, c.height, out, radius, eps);
  return out;
}

function reference<T extends Float32Array | Uint8Array>(c: Case, out: T): T {
  guidedUpsampleTypeScript({ values: c.alpha, width: c.alphaWidth, height: c.alphaHeight, roi: c.roi }, c.rgba, c.width, c.height, out, c.options);
  return out;
}

/** Native alpha and gray against the TypeScript reference: within one 8-bit step, 0 exactly where it writes 0 outside the roi. */
function assertMatchesReference(c: Case, what: string): Float32Array {
  const expected = reference(c, new Float32Array(c.width * c.height));
  const actual = nativeAlpha(c);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= TOLERANCE, `${what}: max |native - reference| ${worst} at (${at % c.width}, ${Math.floor(at / c.width)}): ${actual[at]} vs ${expected[at]}`);
  const expectedGray = reference(c, new Uint8Array(c.width * c.height));
  const gray = nativeGray(c);
  for (let i = 0; i < gray.length; i++) {
    if (Math.abs(gray[i] - expectedGray[i]) > 1) assert.fail(`${what}: gray at (${i % c.width}, ${Math.floor(i / c.width)}): ${gray[i]} vs ${expectedGray[i]}`);
    if (Math.abs(gray[i] - actual[i] * 255) > 0.5 + 1e-3) assert.fail(`${what}: gray ${gray[i]} is not the native alpha ${actual[i]} rounded`);
  }
  return actual;
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function randomPlane(w: number, h: number, seed: number): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: w * h }, next);
}

/** A lit face (disc) on a darker, textured background, and the smooth matte a model would give for it over `roi`. */
function faceScene(width: number, height: number, roi: Roi, w: number, h: number): { rgba: Uint8Array; alpha: Float32Array } {
  const cx = width * 0.52;
  const cy = height * 0.48;
  const r = height * 0.3;
  const rgba = new Uint8Array(width * height * 4);
  const next = random(7);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r;
      const grain = Math.floor(next() * 12);
      const stripes = (x >> 3) & 1 ? 20 : 0;
      rgba[i * 4] = inside ? 205 + grain : 40 + stripes + grain;
      rgba[i * 4 + 1] = inside ? 160 + grain : 50 + grain;
      rgba[i * 4 + 2] = inside ? 135 + grain : 70 + stripes;
      rgba[i * 4 + 3] = 255;
    }
  }
  const alpha = new Float32Array(w * h);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const x = roi.x + ((u + 0.5) * roi.width) / w;
      const y = roi.y + ((v + 0.5) * roi.height) / h;
      const d = Math.hypot(x - cx, y - cy) - r;
      alpha[v * w + u] = Math.min(1, Math.max(0, 0.5 - d / (2 * (roi.width / w))));
    }
  }
  return { rgba, alpha };
}

describe('upsample.guidedUpsample', () => {
  it('matches the TypeScript reference on random planes and frames', () => {
    const cases: Array<[number, number, number, number, Roi]> = [
      [160, 90, 40, 40, { x: 0, y: -35, width: 160, height: 160 }],
      [97, 61, 23, 17, { x: 0, y: 0, width: 97, height: 61 }],
      [64, 64, 64, 64, { x: 0, y: 0, width: 64, height: 64 }],
      [33, 20, 50, 30, { x: 0, y: 0, width: 33, height: 20 }],
    ];
    cases.forEach(([width, height, alphaWidth, alphaHeight, roi], k) => {
      const c: Case = { alpha: randomPlane(alphaWidth, alphaHeight, 11 + k), alphaWidth, alphaHeight, roi, rgba: randomRgba(width, height, 5 + k), width, height };
      assertMatchesReference(c, `${width}x${height} from ${alphaWidth}x${alphaHeight}`);
    });
  });

  it('matches the reference on a face scene: letterboxed frame roi, face crop sub-rectangle, roi past the edges', () => {
    const width = 640;
    const height = 360;
    const rois: Array<[string, Roi]> = [
      ['letterboxed frame', { x: 0, y: -140, width: 640, height: 640 }],
      ['face crop', { x: 181.37, y: 52.6, width: 270.25, height: 270.25 }],
      ['past the top left', { x: -60.5, y: -80.25, width: 300, height: 300 }],
      ['past the bottom right', { x: 420.75, y: 200.5, width: 300, height: 240 }],
    ];
    for (const [what, roi] of rois) {
      const { rgba, alpha } = faceScene(width, height, roi, 96, 96);
      assertMatchesReference({ alpha, alphaWidth: 96, alphaHeight: 96, roi, rgba, width, height }, what);
    }
  });

  it('writes 0 outside the roi and follows the plane inside it, to the frame edges', () => {
    const width = 50;
    const height = 40;
    const roi = { x: 10.5, y: 4, width: 30, height: 30 };
    const c: Case = { alpha: new Float32Array(8 * 8).fill(1), alphaWidth: 8, alphaHeight: 8, roi, rgba: randomRgba(width, height, 3), width, height };
    const out = assertMatchesReference(c, 'sub-rectangle');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x + 0.5 >= roi.x && x + 0.5 < roi.x + roi.width && y + 0.5 >= roi.y && y + 0.5 < roi.y + roi.height;
        const value = out[y * width + x];
        if (inside) assert.ok(Math.abs(value - 1) < 1e-3, `(${x}, ${y}) inside: ${value}`);
        else assert.equal(value, 0, `(${x}, ${y}) outside`);
      }
    }
    // A roi covering the whole frame reaches every edge pixel; one wholly outside it writes only 0.
    const whole = nativeAlpha({ ...c, roi: { x: 0, y: 0, width, height } });
    assert.ok(whole.every((v) => Math.abs(v - 1) < 1e-3));
    assert.ok(nativeAlpha({ ...c, roi: { x: width + 5, y: 0, width: 20, height: 20 } }).every((v) => v === 0));
    assert.ok(nativeGray({ ...c, roi: { x: 0, y: -30, width: 20, height: 20 } }).every((v) => v === 0));
  });

  it('gives 0 for an empty matte (no face: every alpha 0)', () => {
    const width = 120;
    const height = 80;
    const c: Case = { alpha: new Float32Array(32 * 32), alphaWidth: 32, alphaHeight: 32, roi: { x: 0, y: -20, width: 120, height: 120 }, rgba: randomRgba(width, height, 9), width, height };
    assert.ok(nativeAlpha(c).every((v) => v === 0));
    assert.ok(nativeGray(c).every((v) => v === 0));
  });

  it('matches the reference for other radii and eps, single-pixel planes and frames', () => {
    const rgba = randomRgba(40, 30, 21);
    const alpha = randomPlane(16, 12, 4);
    const roi = { x: 0, y: 0, width: 40, height: 30 };
    for (const options of [{ radius: 0, eps: 1e-3 }, { radius: 1, eps: 0.1 }, { radius: 20, eps: 1e-6 }]) {
      assertMatchesReference({ alpha, alphaWidth: 16, alphaHeight: 12, roi, rgba, width: 40, height: 30, options }, `radius ${options.radius} eps ${options.eps}`);
    }
    assertMatchesReference({ alpha: Float32Array.of(0.6), alphaWidth: 1, alphaHeight: 1, roi, rgba, width: 40, height: 30 }, '1x1 plane');
    assertMatchesReference({ alpha, alphaWidth: 16, alphaHeight: 12, roi: { x: 0, y: 0, width: 1, height: 1 }, rgba: randomRgba(1, 1, 2), width: 1, height: 1 }, '1x1 frame');
  });

  it('gives the same result after calls of other sizes (its scratch space is reused)', () => {
    const small: Case = { alpha: randomPlane(20, 20, 1), alphaWidth: 20, alphaHeight: 20, roi: { x: 3, y: 2, width: 40, height: 40 }, rgba: randomRgba(48, 44, 1), width: 48, height: 44 };
    const first = nativeAlpha(small);
    nativeGray({ alpha: randomPlane(64, 48, 2), alphaWidth: 64, alphaHeight: 48, roi: { x: 0, y: 0, width: 300, height: 200 }, rgba: randomRgba(300, 200, 2), width: 300, height: 200 });
    assert.deepEqual(nativeAlpha(small), first);
  });

  it('refuses bad arguments with clear errors', () => {
    const alpha = new Float32Array(4);
    const rgba = new Uint8Array(4 * 4 * 4);
    const roi = { x: 0, y: 0, width: 4, height: 4 };
    const dst = new Float32Array(16);
    assert.throws(() => guidedUpsample(new Uint8Array(4) as unknown as Float32Array, 2, 2, roi, rgba, 4, 4, dst, 2, 1e-3), {
      name: 'TypeError',
      message: /guidedUpsample: alpha must be a Float32Array/,
    });
    assert.throws(() => guidedUpsample(new Float32Array(3), 2, 2, roi, rgba, 4, 4, dst, 2, 1e-3), {
      name: 'RangeError',
      message: /guidedUpsample: alpha holds 3 floats, 2x2 needs 4/,
    });
    assert.throws(() => guidedUpsample(alpha, 0, 2, roi, rgba, 4, 4, dst, 2, 1e-3), { name: 'RangeError', message: /alphaWidth must be an integer from 1/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, { x: 0, y: 0, width: 0, height: 4 }, rgba, 4, 4, dst, 2, 1e-3), {
      name: 'RangeError',
      message: /guidedUpsample: roi.width and roi.height must be positive/,
    });
    assert.throws(() => guidedUpsample(alpha, 2, 2, null as unknown as Roi, rgba, 4, 4, dst, 2, 1e-3), { name: 'TypeError', message: /roi must be \{x, y, width, height\}/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, new Uint8Array(63), 4, 4, dst, 2, 1e-3), {
      name: 'RangeError',
      message: /guidedUpsample: rgba holds 63 bytes, 4x4 RGBA needs 64/,
    });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4.5, dst, 2, 1e-3), { name: 'RangeError', message: /height must be an integer/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, new Float32Array(15), 2, 1e-3), {
      name: 'RangeError',
      message: /guidedUpsample: dst holds 15 floats, 4x4 alpha needs 16/,
    });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, new Uint8Array(15), 2, 1e-3), {
      name: 'RangeError',
      message: /guidedUpsample: dst holds 15 bytes, 4x4 gray needs 16/,
    });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, new Float64Array(16) as unknown as Float32Array, 2, 1e-3), {
      name: 'TypeError',
      message: /dst must be a Float32Array \(alpha\) or a Uint8Array \(gray\)/,
    });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, dst, -1, 1e-3), { name: 'RangeError', message: /radius must be an integer from 0 to 1024, got -1/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, dst, 1.5, 1e-3), { name: 'RangeError', message: /radius must be an integer/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, dst, 2, 0), { name: 'RangeError', message: /eps must be positive, got 0/ });
    assert.throws(() => guidedUpsample(alpha, 2, 2, roi, rgba, 4, 4, dst, 2, NaN), { name: 'RangeError', message: /eps must be finite/ });
  });
});
