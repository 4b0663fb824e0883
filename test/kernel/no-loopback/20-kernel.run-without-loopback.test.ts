import assert from 'node:assert/strict';
import { describeResult, facemat, requireVm } from '../helpers.js';

describe('facemat run --sink v4l2:auto with v4l2loopback not loaded', function () {
  this.timeout(300_000);
  before(requireVm);

  it('stops at once with one line naming `facemat camera load`, exit 1', async () => {
    const result = await facemat(['run', '--source', 'synthetic', '--sink', 'v4l2:auto', '--control', 'off'], { timeoutMs: 120_000 });
    assert.equal(result.code, 1, describeResult(result));
    const lines = result.stderr.split('\n').filter((l) => /\berror:/.test(l));
    assert.equal(lines.length, 1, describeResult(result));
    assert.match(lines[0], /cannot use the virtual camera: no v4l2loopback device; run `facemat camera load`/);
  });
});
