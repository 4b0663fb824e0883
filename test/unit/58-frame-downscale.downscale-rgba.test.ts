import assert from 'node:assert/strict';
import { downscaleRgba } from '../../src/pipeline/sink/frame-downscale.js';

function image(width: number, height: number, pixel: (x: number, y: number) => number[]) {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, rgba };
}

describe('downscaleRgba', function () {
  it('averages 2x2 blocks to halve 1280x720', function () {
    const src = image(1280, 720, (x, y) => [(x % 2) * 100, (y % 2) * 200, 50, 255]);
    const out = downscaleRgba(src, 640);
    assert.equal(out.width, 640);
    assert.equal(out.height, 360);
    assert.deepEqual([...out.rgba.subarray(0, 4)], [50, 100, 50, 255]);
  });

  it('uses a factor of 3 for 1920 wide, and copies frames already small enough', function () {
    assert.deepEqual([downscaleRgba(image(1920, 1080, () => [0, 0, 0, 0]), 640)].map((o) => [o.width, o.height])[0], [640, 360]);
    const small = image(4, 2, (x) => [x, 0, 0, 255]);
    const copy = downscaleRgba(small, 640);
    assert.deepEqual([...copy.rgba], [...small.rgba]);
    assert.notEqual(copy.rgba.buffer, small.rgba.buffer, 'a copy: the pipeline reuses its buffer');
  });

  it('writes into the buffer it is given when large enough', function () {
    const reuse = new Uint8Array(640 * 360 * 4);
    const out = downscaleRgba(image(1280, 720, () => [9, 9, 9, 9]), 640, reuse);
    assert.equal(out.rgba.buffer, reuse.buffer);
    assert.equal(out.rgba[0], 9);
  });

  it('gives the same pixels whether the buffer is 4-byte aligned or not', function () {
    const src = image(96, 54, (x, y) => [(x * 37 + y * 11) % 256, (x * y) % 256, (x + 3 * y) % 256, 255 - (x % 7)]);
    const unalignedBytes = new Uint8Array(src.rgba.length + 1).subarray(1);
    unalignedBytes.set(src.rgba);
    for (const maxWidth of [48, 32, 20]) {
      const fast = downscaleRgba(src, maxWidth);
      const slow = downscaleRgba({ ...src, rgba: unalignedBytes }, maxWidth);
      assert.deepEqual([fast.width, fast.height], [slow.width, slow.height]);
      assert.deepEqual([...fast.rgba], [...slow.rgba], `maxWidth ${maxWidth}`);
    }
  });

  it('rounds each channel of a block average to the nearest value', function () {
    const src = image(2, 2, (x, y) => [x + y === 2 ? 3 : 0, 255, 1, 2]);
    assert.deepEqual([...downscaleRgba(src, 1).rgba], [1, 255, 1, 2]);
  });
});

