import assert from 'node:assert/strict';
import { alphaFromOutput, uncertaintyFromLogVariance } from '../../src/pipeline/matte/postprocess.js';

/** Within 0.2 %: the mapping is tabled (see postprocess.ts). */
const close = (a: number, b: number) => Math.abs(a - b) <= 0.002 * Math.abs(b);

describe('alphaFromOutput', function () {
  it('clamps to [0,1] and reads NaN as 0', function () {
    const out = new Float32Array(5);
    alphaFromOutput(Float32Array.from([-0.2, 0, 0.25, 1.5, NaN]), undefined, out);
    assert.deepEqual([...out], [0, 0, 0.25, 1, 0]);
  });

  it('maps a declared range such as [-1, 1] (tanh) onto [0,1]', function () {
    const out = new Float32Array(4);
    alphaFromOutput(Float32Array.from([-1, 0, 0.5, 3]), [-1, 1], out);
    assert.deepEqual([...out], [0, 0.5, 0.75, 1]);
  });
});

describe('uncertaintyFromLogVariance', function () {
  it('is min(1, 2 sigma): a sure pixel near 0, sigma 0.25 at 0.5, a coin flip or worse at 1', function () {
    const sigmas = [0.01, 0.05, 0.25, 0.5, 2];
    const logvar = Float32Array.from(sigmas.map((s) => Math.log(s * s)));
    const out = new Float32Array(sigmas.length);
    uncertaintyFromLogVariance(logvar, out);
    assert.ok(close(out[0], 0.02), `${out[0]}`);
    assert.ok(close(out[1], 0.1), `${out[1]}`);
    assert.ok(close(out[2], 0.5), `${out[2]}`);
    assert.ok(close(out[3], 1), `${out[3]}`);
    assert.equal(out[4], 1);
  });

  it('rises monotonically with log-variance and reads NaN as unsure', function () {
    const logvar = Float32Array.from([-20, -12, -8, -5, -3, -2, NaN]);
    const out = new Float32Array(logvar.length);
    uncertaintyFromLogVariance(logvar, out);
    for (let i = 1; i < 6; i++) assert.ok(out[i] > out[i - 1], `not rising at ${i}: ${[...out]}`);
    assert.ok(close(out[0], 2 * Math.exp(-10)), `below the table: ${out[0]}`);
    assert.equal(out[6], 1);
  });
});
