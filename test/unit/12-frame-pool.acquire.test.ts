import assert from 'node:assert/strict';
import { FramePool } from '../../src/pipeline/frame-pool.js';

describe('FramePool#acquire', function () {
  it('reuses buffers and never grows past its capacity', function () {
    const pool = new FramePool(4, 2, 2);
    const a = pool.acquire(0, 0)!;
    const b = pool.acquire(1, 0)!;
    assert.equal(pool.acquire(2, 0), null);
    assert.equal(a.rgba.length, 4 * 2 * 4);
    const buffer = a.rgba;
    a.release();
    const c = pool.acquire(3, 5)!;
    assert.equal(c.rgba, buffer, 'the released buffer is handed out again');
    assert.equal(c.seq, 3);
    assert.equal(c.captureMs, 5);
    b.release();
    c.release();
    assert.equal(pool.inUse, 0);
  });

  it('keeps a retained frame until its last release, and catches double releases', function () {
    const pool = new FramePool(2, 2, 1);
    const a = pool.acquire(0, 0)!;
    a.retain();
    a.release();
    assert.equal(pool.acquire(1, 0), null, 'still held by the second reference');
    a.release();
    assert.throws(() => a.release(), /released twice/);
    assert.ok(pool.acquire(2, 0));
  });
});
