import assert from 'node:assert/strict';
import { resizeToTensor } from '../../src/native/index.js';
import { randomRgba } from './yuv-reference.js';

interface Normalisation {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  scale: number;
}

const IDENTITY: Normalisation = { mean: [0, 0, 0], std: [1, 1, 1], scale: 1 };

function tensor(src: Uint8Array, width: number, height: number, roi: { x: number; y: number; width: number; height: number }, w: number, h: number, norm: Normalisation = IDENTITY): Float32Array {
  const dst = new Float32Array(3 * w * h);
  resizeToTensor(src, width, height, roi, dst, w, h, norm.mean, norm.std, norm.scale);
  return dst;
}

function close(actual: number, expected: number, what: string, tolerance = 1e-3): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

describe('resize.resizeToTensor', () => {
  it('copies pixels into planar NCHW when the region is the frame at its own size', () => {
    const width = 5;
    const height = 3;
    const src = randomRgba(width, height, 2);
    const out = tensor(src, width, height, { x: 0, y: 0, width, height }, width, height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) close(out[c * width * height + y * width + x], src[(y * width + x) * 4 + c], `(${x},${y},${c})`);
      }
    }
  });

  it('averages 2x2 blocks when halving (bilinear between pixel centres)', () => {
    const src = randomRgba(8, 6, 4);
    const out = tensor(src, 8, 6, { x: 0, y: 0, width: 8, height: 6 }, 4, 3);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) sum += src[((2 * y + dy) * 8 + 2 * x + dx) * 4 + c];
          close(out[c * 12 + y * 4 + x], sum / 4, `(${x},${y},${c})`);
        }
      }
    }
  });

  it('averages whole areas when shrinking by more than 2x, so no pixel is skipped', () => {
    const src = randomRgba(16, 16, 9);
    const out = tensor(src, 16, 16, { x: 0, y: 0, width: 16, height: 16 }, 4, 4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        let sum = 0;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) sum += src[((4 * y + dy) * 16 + 4 * x + dx) * 4 + 1];
        close(out[16 + y * 4 + x], sum / 16, `green (${x},${y})`);
      }
    }
  });

  it('interpolates a linear ramp linearly when enlarging', () => {
    const width = 8;
    const src = new Uint8Array(width * 4);
    for (let x = 0; x < width; x++) src.set([x * 30, 0, 0, 255], x * 4);
    const out = tensor(src, width, 1, { x: 2, y: 0, width: 4, height: 1 }, 8, 1);
    // Output sample i looks at source x = 2 + (i + 0.5) / 2 - 0.5 -> value 30 * that.
    for (let i = 0; i < 8; i++) close(out[i], 30 * (2 + (i + 0.5) / 2 - 0.5), `sample ${i}`);
  });

  it('normalises as (pixel / scale - mean) / std per channel', () => {
    const src = new Uint8Array([255, 128, 0, 255]);
    const norm = { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const, scale: 255 };
    const out = tensor(src, 1, 1, { x: 0, y: 0, width: 1, height: 1 }, 2, 2, norm);
    for (let i = 0; i < 4; i++) {
      close(out[i], (1 - 0.485) / 0.229, 'red');
      close(out[4 + i], (128 / 255 - 0.456) / 0.224, 'green');
      close(out[8 + i], (0 - 0.406) / 0.225, 'blue');
    }
  });

  it('pads a region that leaves the frame with black before normalisation', () => {
    const src = new Uint8Array(4 * 4 * 4).fill(200);
    const norm = { mean: [0.5, 0.5, 0.5] as const, std: [0.25, 0.25, 0.25] as const, scale: 255 };
    // The region's left half lies outside the frame.
    const out = tensor(src, 4, 4, { x: -4, y: 0, width: 8, height: 4 }, 8, 4, norm);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 8; x++) close(out[y * 8 + x], x < 4 ? -2 : (200 / 255 - 0.5) / 0.25, `(${x},${y})`);
    }
    // Wholly outside: every value is the normalised black.
    const outside = tensor(src, 4, 4, { x: 10, y: 10, width: 4, height: 4 }, 2, 2, norm);
    for (const value of outside) close(value, -2, 'outside');
  });

  it('counts the outside area as black when area averaging across the frame edge', () => {
    const src = new Uint8Array(8 * 8 * 4).fill(240);
    const out = tensor(src, 8, 8, { x: -4, y: 0, width: 12, height: 8 }, 2, 1);
    // The left output pixel covers columns -4..2: 4 outside, 2 inside, a third of 240.
    close(out[0], 80, 'left');
    close(out[1], 240, 'right');
  });

  it('refuses bad arguments with clear errors', () => {
    const src = new Uint8Array(16);
    assert.throws(() => resizeToTensor(src, 2, 2, { x: 0, y: 0, width: 0, height: 2 }, new Float32Array(12), 2, 2, [0, 0, 0], [1, 1, 1], 1), {
      name: 'RangeError',
      message: /roi.width and roi.height must be positive/,
    });
    assert.throws(() => resizeToTensor(src, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, new Float32Array(11), 2, 2, [0, 0, 0], [1, 1, 1], 1), {
      name: 'RangeError',
      message: /dst holds 11 floats, 3x2x2 needs 12/,
    });
    assert.throws(() => resizeToTensor(src, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, new Uint8Array(12) as unknown as Float32Array, 2, 2, [0, 0, 0], [1, 1, 1], 1), {
      name: 'TypeError',
      message: /dst must be a Float32Array/,
    });
    assert.throws(() => resizeToTensor(src, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, new Float32Array(12), 2, 2, [0, 0, 0], [1, 0, 1], 1), {
      name: 'RangeError',
      message: /std must be non-zero/,
    });
    assert.throws(() => resizeToTensor(src, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, new Float32Array(12), 2, 2, [0, 0] as unknown as [number, number, number], [1, 1, 1], 1), {
      name: 'TypeError',
      message: /mean must be \[r, g, b\]/,
    });
  });
});
