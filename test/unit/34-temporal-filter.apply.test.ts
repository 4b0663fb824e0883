import assert from 'node:assert/strict';
import type { Matte } from '../../src/pipeline/frame.js';
import { createMatteEngine } from '../../src/pipeline/matte/index.js';
import { TemporalFilter } from '../../src/pipeline/matte/temporal-filter.js';
import { captureLogs, frameOf, prng, synthFace } from './3x-matte-fixture.js';

const W = 64;
const H = 64;
const ROI = { x: 0, y: 0, width: 640, height: 640 };

/** A luma picture: mid grey, with a dark square (the occluder) at column `at` when given. */
function lumaWithSquare(at: number | null): Float32Array {
  const luma = new Float32Array(W * H).fill(0.6);
  if (at !== null) for (let y = 20; y < 40; y++) for (let x = at; x < at + 12; x++) luma[y * W + x] = 0.1;
  return luma;
}

/** The model's ideal answer for it: face (1) except under the square; plus flicker noise. */
function alphaWithSquare(at: number | null, flicker: () => number): Float32Array {
  const alpha = new Float32Array(W * H);
  for (let i = 0; i < alpha.length; i++) alpha[i] = Math.min(1, Math.max(0, 0.8 + flicker()));
  if (at !== null) for (let y = 20; y < 40; y++) for (let x = at; x < at + 12; x++) alpha[y * W + x] = 0;
  return alpha;
}

function frameToFrameChange(sequence: Float32Array[]): number {
  let total = 0;
  for (let f = 1; f < sequence.length; f++) for (let i = 0; i < sequence[f].length; i++) total += Math.abs(sequence[f][i] - sequence[f - 1][i]);
  return total / ((sequence.length - 1) * sequence[0].length);
}

describe('TemporalFilter#apply', function () {
  it('leaves a still picture with a steady matte unchanged', function () {
    const filter = new TemporalFilter(W, H);
    const luma = lumaWithSquare(10);
    const steady = alphaWithSquare(10, () => 0);
    for (let f = 0; f < 5; f++) {
      const alpha = steady.slice();
      filter.apply(alpha, null, luma, ROI);
      assert.deepEqual(alpha, steady, `frame ${f} changed`);
    }
  });

  it('damps the model flicker on a still picture, more where the model is unsure', function () {
    const random = prng(3);
    const flicker = () => (random() - 0.5) * 0.2;
    const luma = lumaWithSquare(null);
    const raw = Array.from({ length: 20 }, () => alphaWithSquare(null, flicker));
    const run = (uncertainty: Float32Array | null) => {
      const filter = new TemporalFilter(W, H);
      return raw.map((a) => {
        const out = a.slice();
        filter.apply(out, uncertainty, luma, ROI);
        return out;
      });
    };
    const rawChange = frameToFrameChange(raw);
    const sureChange = frameToFrameChange(run(new Float32Array(W * H)));
    const unsureChange = frameToFrameChange(run(new Float32Array(W * H).fill(1)));
    assert.ok(sureChange < 0.75 * rawChange, `sure: ${sureChange} vs raw ${rawChange}`);
    assert.ok(unsureChange < 0.5 * sureChange, `unsure: ${unsureChange} vs sure ${sureChange}`);
  });

  it('follows a moving occluder in the same frame: where the picture changed the new matte is taken as is', function () {
    const filter = new TemporalFilter(W, H);
    const random = prng(5);
    const flicker = () => (random() - 0.5) * 0.05;
    const unsure = new Float32Array(W * H).fill(1);
    for (let f = 0; f < 6; f++) {
      const at = 4 + f * 8;
      const raw = alphaWithSquare(at, flicker);
      const out = raw.slice();
      filter.apply(out, unsure, lumaWithSquare(at), ROI);
      if (f === 0) continue;
      const previousAt = at - 8;
      for (let y = 20; y < 40; y++) {
        for (let x = previousAt; x < at + 12; x++) {
          // The square's new place (now covered) and the strip it left (now uncovered).
          const i = y * W + x;
          assert.equal(out[i], raw[i], `frame ${f}, pixel ${x},${y}: ${out[i]} instead of ${raw[i]}`);
        }
      }
      assert.equal(out[30 * W + at + 3], 0, 'the occluder is out of the matte at once');
    }
  });

  it('starts afresh when the region (face crop) moves', function () {
    const filter = new TemporalFilter(W, H);
    const luma = lumaWithSquare(null);
    filter.apply(new Float32Array(W * H).fill(1), null, luma, ROI);
    const next = new Float32Array(W * H).fill(0.2);
    filter.apply(next, null, luma, { ...ROI, x: 10 });
    assert.ok(next.every((v) => Math.abs(v - 0.2) < 1e-6));
  });
});

describe('OnnxMatteEngine with the temporal filter (real inference)', function () {
  this.timeout(60000);

  it('is steadier than the raw model on a noisy still sequence and equals it where an occluder moved', async function () {
    const logs = captureLogs();
    const filtered = await createMatteEngine({ provider: 'cpu', threads: 1, faceCrop: false, temporal: true });
    const raw = await createMatteEngine({ provider: 'cpu', threads: 1, faceCrop: false, temporal: false });
    logs.stop();
    try {
      const width = 320;
      const height = 240;
      const copy = (m: Matte) => m.alpha.slice();
      const still: { raw: Float32Array[]; filtered: Float32Array[] } = { raw: [], filtered: [] };
      for (let f = 0; f < 8; f++) {
        const frame = frameOf(f, width, height, synthFace(width, height, { noise: 2, seed: 10 + f }));
        still.filtered.push(copy(await filtered.run(frame)));
        still.raw.push(copy(await raw.run(frame)));
      }
      const rawChange = frameToFrameChange(still.raw);
      const filteredChange = frameToFrameChange(still.filtered);
      // Sensor noise of +-2 levels (below the filter's still threshold) makes the raw matte flicker a little.
      assert.ok(rawChange > 0, 'the raw matte flickers');
      assert.ok(filteredChange < 0.6 * rawChange, `filtered ${filteredChange} vs raw ${rawChange}`);

      // A dark occluder sweeps 30 px per frame across the face. Wherever it newly covers the picture
      // (its first frame: all of it; then the 30 px strip it moved onto) the model's input changed a
      // lot, and the filtered matte must be the raw matte of that same frame.
      for (let f = 0; f < 4; f++) {
        const occluder = { x: 100 + f * 30, y: 80, width: 40, height: 60 };
        const frame = frameOf(100 + f, width, height, synthFace(width, height, { occluder, noise: 3, seed: 50 + f }));
        const a = await filtered.run(frame);
        const b = await raw.run(frame);
        const newlyCovered = { x0: f === 0 ? occluder.x : occluder.x + occluder.width - 30, x1: occluder.x + occluder.width, y0: occluder.y, y1: occluder.y + occluder.height };
        // Frame pixels to model pixels (the roi is the letterboxed frame); skip the model pixels on the border.
        const toModelX = (x: number) => ((x - a.roi.x) * a.width) / a.roi.width;
        const toModelY = (y: number) => ((y - a.roi.y) * a.height) / a.roi.height;
        let compared = 0;
        for (let y = Math.ceil(toModelY(newlyCovered.y0)) + 1; y < Math.floor(toModelY(newlyCovered.y1)) - 1; y++) {
          for (let x = Math.ceil(toModelX(newlyCovered.x0)) + 1; x < Math.floor(toModelX(newlyCovered.x1)) - 1; x++) {
            const i = y * a.width + x;
            assert.equal(a.alpha[i], b.alpha[i], `frame ${f} model pixel ${x},${y}`);
            compared++;
          }
        }
        assert.ok(compared > 50, `compared only ${compared} pixels`);
      }
    } finally {
      await filtered.close();
      await raw.close();
    }
  });
});
