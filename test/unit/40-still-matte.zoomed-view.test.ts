import assert from 'node:assert/strict';
import { ZOOM_VIEW_SIDE, blendZoomedView, zoomedView } from '../../src/pipeline/matte/still-matte.js';

describe('still matte: zoomedView', () => {
  it('is ZOOM_VIEW_SIDE of the view, centred on the face', () => {
    const view = { x: 0, y: 0, width: 512, height: 512 };
    const zoom = zoomedView({ x0: 200, y0: 220, x1: 300, y1: 300 }, view);
    assert.equal(zoom.width, Math.round(512 * ZOOM_VIEW_SIDE));
    assert.equal(zoom.height, zoom.width);
    assert.ok(Math.abs(zoom.x + zoom.width / 2 - 250) <= 1, `centred at x ${zoom.x + zoom.width / 2}`);
    assert.ok(Math.abs(zoom.y + zoom.height / 2 - 260) <= 1, `centred at y ${zoom.y + zoom.height / 2}`);
  });

  it('slides back inside the view where the face is near its edge, letterbox included', () => {
    const view = { x: 0, y: -70, width: 320, height: 320 }; // a 320x180 picture letterboxed
    const zoom = zoomedView({ x0: 280, y0: -60, x1: 320, y1: 0 }, view);
    assert.equal(zoom.x + zoom.width, 320);
    assert.equal(zoom.y, -70);
  });
});

describe('still matte: blendZoomedView', () => {
  const [width, height] = [100, 80];
  const plane = (value: number) => new Float32Array(width * height).fill(value);
  const view = { x: 20, y: 10, width: 60, height: 60 };

  it('averages the two mattes inside the view, leaves them alone outside, and ramps between', () => {
    const into = { alpha: plane(0), uncertainty: plane(1) };
    blendZoomedView(into, { alpha: plane(1), uncertainty: plane(0) }, view, width, height);
    const at = (x: number, y: number) => into.alpha[y * width + x];
    assert.equal(at(50, 40), 0.5, 'the view centre: the mean of the two');
    assert.equal(into.uncertainty[40 * width + 50], 0.5, 'the uncertainty likewise');
    for (const [x, y] of [[5, 40], [19, 40], [80, 40], [50, 9], [50, 70], [99, 79]]) assert.equal(at(x, y), 0, `outside the view at ${x},${y}`);
    // Across the left edge the weight rises monotonically from 0 to the inner plateau.
    let previous = 0;
    for (let x = 20; x <= 50; x++) {
      assert.ok(at(x, 40) >= previous, `not monotone at x ${x}`);
      previous = at(x, 40);
    }
    assert.ok(at(20, 40) > 0 && at(20, 40) < 0.1, `the edge pixel should weigh little (${at(20, 40)})`);
  });

  it('clips a view that reaches outside the picture', () => {
    const into = { alpha: plane(0), uncertainty: null };
    blendZoomedView(into, { alpha: plane(1), uncertainty: null }, { x: -30, y: -30, width: 80, height: 80 }, width, height);
    assert.equal(into.alpha[20 * width + 10], 0.5);
    assert.equal(into.alpha[79 * width + 99], 0);
  });
});
