import assert from 'node:assert/strict';
import { downscaleRgba } from '../../src/control/frame-downscale.js';

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
});
