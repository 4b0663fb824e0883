import assert from 'node:assert/strict';
import type { BackgroundStage } from '../../src/pipeline/composite/background-effect.js';
import type { FilterDeps } from '../../src/pipeline/composite/filters/face-filter.js';
import { RenderTarget } from '../../src/pipeline/composite/framebuffer-pool.js';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import type { PassContext } from '../../src/pipeline/composite/pass-context.js';
import type { Texture } from '../../src/pipeline/composite/texture.js';
import { defaultSettings, FILTER_NAMES, type FilterInstance } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import type { Frame, Matte } from '../../src/pipeline/frame.js';
import { setLogSink } from '../../src/log.js';
import {
  changedPixels,
  diff,
  FILTER_CASES,
  FIXTURE_ROI,
  fixtureFrame,
  fixtureMatte,
  fixtureMatteWithUncertainty,
  frameOf,
  H,
  only,
  uniformMatte,
  W,
} from './fixtures.js';

function allEnabled(): FilterInstance[] {
  return FILTER_NAMES.filter((n) => n !== 'matte').map((n) => ({ name: n, enabled: true, settings: defaultSettings(n) }));
}

describe('GlCompositor.composite', function () {
  let compositor: GlCompositor;
  let frame: Frame;
  let input: Uint8Array;

  before(async function () {
    compositor = new GlCompositor();
    await compositor.open({ width: W, height: H, fps: 30 });
    frame = fixtureFrame();
    input = frame.rgba.slice();
  });

  after(async function () {
    await compositor.close();
  });

  const run = (matte: Matte | null, chain: FilterInstance[]) => compositor.composite(frame, matte, chain).rgba.slice();
  /** The upsampled alpha as the matte debug view shows it: one byte per pixel. */
  const alphaView = (matte: Matte) => {
    const view = run(matte, only('matte', { view: 'alpha' }));
    return Uint8Array.from({ length: W * H }, (_, p) => view[p * 4]);
  };

  it('passes the frame through bit for bit without a matte, every filter on', function () {
    assert.deepEqual(run(null, allEnabled()), input);
  });

  it('passes the frame through bit for bit with an empty matte (no face found)', function () {
    assert.deepEqual(run({ ...fixtureMatte(), empty: true }, allEnabled()), input);
  });

  it('reuses one output buffer and stamps it with the frame seq and capture time', function () {
    const a = compositor.composite(frameOf(input.slice(), W, H, 7), fixtureMatte(), only('toon'));
    const b = compositor.composite(frameOf(input.slice(), W, H, 8), fixtureMatte(), only('toon'));
    assert.equal(a.rgba, b.rgba);
    assert.equal(b.seq, 8);
    assert.equal(b.captureMs, 8 * 33);
    assert.equal(b.width, W);
    assert.equal(b.height, H);
  });

  for (const c of FILTER_CASES) {
    describe(c.id, function () {
      it('alpha = 0 everywhere: the output equals the input exactly', function () {
        assert.deepEqual(run(uniformMatte(0), c.chain), input);
      });

      it('alpha = 1 everywhere: the output equals the filter on its own', function () {
        const filtered = compositor.renderFilters(frame, c.chain).rgba.slice();
        assert.ok(changedPixels(filtered, input).length > W * H * 0.05, 'the filter changes the frame');
        assert.deepEqual(run(uniformMatte(1), c.chain), filtered);
      });

      it('leaves the occluder and everything outside the face untouched', function () {
        const matte = fixtureMatte();
        const alpha = alphaView(matte);
        const out = run(matte, c.chain);
        let untouchedChecked = 0;
        let fingerChecked = 0;
        for (let p = 0; p < W * H; p++) {
          if (alpha[p] !== 0) continue;
          untouchedChecked++;
          const x = p % W;
          const y = Math.floor(p / W);
          if (x >= 96 && x <= 102 && y >= 60 && y < 110) fingerChecked++;
          for (let k = 0; k < 4; k++) {
            if (out[p * 4 + k] !== input[p * 4 + k]) assert.fail(`pixel (${x}, ${y}) under alpha 0 changed: ${out[p * 4 + k]} != ${input[p * 4 + k]}`);
          }
        }
        // The finger (x 92..106 from y 44 down) is an occluder: its core must be among them.
        assert.equal(fingerChecked, 7 * 50, 'every pixel of the finger core has alpha 0');
        assert.ok(untouchedChecked > W * H * 0.5);
        const changedOnFace = changedPixels(out, input).filter((p) => alpha[p] === 255).length;
        assert.ok(changedOnFace > 500, `the filter shows on the face (${changedOnFace} pixels changed)`);
      });
    });
  }

  it('blends with fractional alpha: alpha 0.5 lies between the input and the filter', function () {
    const chain = only('recolor', { amount: 1, tint: '#0000ff' });
    const filtered = compositor.renderFilters(frame, chain).rgba.slice();
    const half = run(uniformMatte(0.5), chain);
    for (let i = 0; i < half.length; i += 4) {
      for (let k = 0; k < 3; k++) {
        const expected = (input[i + k] + filtered[i + k]) / 2;
        assert.ok(Math.abs(half[i + k] - expected) <= 1, `channel ${k} at ${i / 4}: ${half[i + k]} vs ${expected}`);
      }
    }
  });

  it('applies the enabled filters in chain order and skips disabled ones', function () {
    const toon = { name: 'toon' as const, enabled: true, settings: defaultSettings('toon') };
    const sketch = { name: 'sketch' as const, enabled: true, settings: defaultSettings('sketch') };
    const recolor = { name: 'recolor' as const, enabled: true, settings: { ...defaultSettings('recolor'), amount: 1, tint: '#ff0000' } };
    const a = run(uniformMatte(1), [sketch, recolor]);
    const b = run(uniformMatte(1), [recolor, sketch]);
    assert.ok(changedPixels(a, b).length > W * H * 0.5, 'order changes the result');
    assert.deepEqual(run(uniformMatte(1), [sketch, { ...recolor, enabled: false }, { ...toon, enabled: false }]), run(uniformMatte(1), [sketch]));
  });

  it('blends on its own when the last filter has nothing to do and an earlier one has', function () {
    const toon = { name: 'toon' as const, enabled: true, settings: defaultSettings('toon') };
    const idle = { name: 'beautify' as const, enabled: true, settings: { ...defaultSettings('beautify'), strength: 0 } };
    const expected = run(fixtureMatte(), [toon]);
    assert.ok(changedPixels(expected, input).length > 500);
    // The same within rounding: here toon's colour is stored in 8 bits before the blend.
    assert.ok(diff(run(fixtureMatte(), [toon, idle]), expected, 0).max <= 1);
  });

  it('runs every filter and all of them chained, frame after frame, without running out of render targets', function () {
    const chains = [...FILTER_CASES.map((c) => c.chain), allEnabled(), [...allEnabled(), { name: 'matte' as const, enabled: true, settings: { view: 'split' } }]];
    for (let i = 0; i < 10; i++) {
      for (const chain of chains) compositor.composite(frame, fixtureMatte(), chain);
    }
    assert.ok(changedPixels(run(fixtureMatte(), allEnabled()), input).length > 500);
  });

  it('takes new settings on the next frame', function () {
    const weak = run(fixtureMatte(), only('anonymize', { blockSize: 8 }));
    const strong = run(fixtureMatte(), only('anonymize', { blockSize: 40 }));
    assert.ok(changedPixels(weak, strong).length > 1000);
  });

  it('a small face in a large roi: only the face is worked on, and it gets the full filter', function () {
    // The model looked at the whole frame and found a face in one 16 x 16 texel patch.
    const size = 64;
    const alpha = new Float32Array(size * size);
    for (let y = 20; y < 36; y++) for (let x = 24; x < 40; x++) alpha[y * size + x] = 1;
    const matte: Matte = { seq: 1, captureMs: 33, width: size, height: size, alpha, uncertainty: null, roi: { x: 0, y: 0, width: W, height: H }, empty: false };
    const face = alphaView(matte);
    for (const id of ['beautify', 'toon', 'sketch', 'recolor-lut']) {
      const chain = FILTER_CASES.find((c) => c.id === id)!.chain;
      const alone = compositor.renderFilters(frame, chain).rgba.slice();
      const out = run(matte, chain);
      let inside = 0;
      for (let p = 0; p < W * H; p++) {
        if (face[p] !== 255) continue;
        inside++;
        for (let k = 0; k < 3; k++) assert.equal(out[p * 4 + k], alone[p * 4 + k], `${id} at (${p % W}, ${Math.floor(p / W)})`);
      }
      assert.ok(inside > 500, `${inside} face pixels`);
      for (const p of changedPixels(out, input)) assert.ok(face[p] > 0, `${id}: pixel ${p} without alpha changed`);
    }
  });

  it('handles a face box partly outside the frame', function () {
    const roi = { x: -40, y: 60, width: 100, height: 100 };
    const out = run(uniformMatte(1, roi), only('sketch'));
    const changed = changedPixels(out, input);
    assert.ok(changed.length > 1000);
    for (const p of changed) {
      const x = p % W;
      const y = Math.floor(p / W);
      assert.ok(x < 60 && y >= 60, `pixel (${x}, ${y}) outside the roi changed`);
    }
  });

  describe('matte debug view', function () {
    it('alpha: the upsampled matte in grey, 0 on the finger, 255 on the face', function () {
      const alpha = alphaView(fixtureMatte());
      assert.equal(alpha[80 * W + 99], 0, 'finger');
      assert.equal(alpha[70 * W + 70], 255, 'cheek');
      assert.equal(alpha[5 * W + 5], 0, 'outside the roi');
    });

    it('alpha: black everywhere without a face', function () {
      const view = run(null, only('matte', { view: 'alpha' }));
      for (let i = 0; i < view.length; i += 4) assert.equal(view[i] + view[i + 1] + view[i + 2], 0);
    });

    it('uncertainty: a heat map where the model gives uncertainty, the dimmed frame elsewhere', function () {
      const alpha = alphaView(fixtureMatte());
      const withU = run(fixtureMatteWithUncertainty(), only('matte', { view: 'uncertainty' }));
      const without = run(fixtureMatte(), only('matte', { view: 'uncertainty' }));
      // The test's uncertainty is 4a(1 - a): high on the matte's soft edges, where the heat map
      // is bright red to yellow, and 0 on the face and the finger, where it is near black.
      let edgeHeat = 0;
      let edges = 0;
      for (let p = 0; p < W * H; p++) {
        if (alpha[p] > 90 && alpha[p] < 165) {
          edgeHeat += withU[p * 4] - without[p * 4];
          edges++;
        }
      }
      assert.ok(edges > 50, `${edges} edge pixels`);
      assert.ok(edgeHeat / edges > 80, `heat on the edges is ${edgeHeat / edges} above the dimmed frame`);
      const cheek = (70 * W + 70) * 4;
      assert.ok(withU[cheek] < without[cheek], 'sure pixels are darker than the dimmed frame');
      // Without uncertainty the view is the dimmed frame in grey.
      for (let i = 0; i < without.length; i += 4) assert.ok(without[i] === without[i + 1] && without[i + 1] === without[i + 2]);
    });

    it('split: the input on the left half, the filtered output on the right, a divider between', function () {
      const chain = [...only('sketch').filter((f) => f.name !== 'matte'), { name: 'matte' as const, enabled: true, settings: { view: 'split' } }];
      const split = run(fixtureMatte(), chain);
      const filtered = run(fixtureMatte(), only('sketch'));
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = (y * W + x) * 4;
          if (x < 79) assert.equal(split[i], input[i], `left (${x}, ${y})`);
          else if (x > 80) assert.equal(split[i], filtered[i], `right (${x}, ${y})`);
          else assert.equal(split[i], 255, `divider (${x}, ${y})`);
        }
      }
    });
  });

  describe('bad input', function () {
    it('refuses a frame of another size and keeps working', function () {
      const small = frameOf(new Uint8Array(80 * 60 * 4), 80, 60);
      assert.throws(() => compositor.composite(small, null, only('toon')), /frame is 80x60, the compositor was opened for 160x120/);
      assert.deepEqual(run(null, only('toon')), input);
    });

    it('reports a matte whose buffer does not match its size once and passes the frame through', function () {
      const lines: string[] = [];
      const previous = setLogSink((l) => lines.push(l));
      try {
        const bad = { ...fixtureMatte(), alpha: new Float32Array(10) };
        assert.deepEqual(run(bad, only('toon')), input);
        assert.deepEqual(run(bad, only('toon')), input);
        assert.equal(lines.filter((l) => l.includes('matte alpha has 10 values, 64x64 needs 4096')).length, 1);
        assert.ok(changedPixels(run(fixtureMatte(), only('toon')), input).length > 500);
      } finally {
        setLogSink(previous);
      }
    });

    it('a LUT that cannot be read falls back to the tint and is reported once', function () {
      const lines: string[] = [];
      const previous = setLogSink((l) => lines.push(l));
      try {
        const bad = only('recolor', { amount: 0.6, lut: '/nonexistent/look.cube' });
        const first = run(fixtureMatte(), bad);
        run(fixtureMatte(), bad);
        assert.deepEqual(first, run(fixtureMatte(), only('recolor', { amount: 0.6 })));
        assert.equal(lines.filter((l) => l.includes('/nonexistent/look.cube')).length, 1);
      } finally {
        setLogSink(previous);
      }
    });

    it('a face-paint image that cannot be read falls back to stripes and is reported once', function () {
      const lines: string[] = [];
      const previous = setLogSink((l) => lines.push(l));
      try {
        const bad = only('facepaint', { pattern: 'image', image: '/nonexistent/paint.png' });
        const first = run(fixtureMatte(), bad);
        run(fixtureMatte(), bad);
        assert.deepEqual(first, run(fixtureMatte(), only('facepaint', { pattern: 'stripes' })));
        assert.equal(lines.filter((l) => l.includes('/nonexistent/paint.png')).length, 1);
      } finally {
        setLogSink(previous);
      }
    });
  });
});

/** A background stage for the extension point: paints the whole frame mid-grey with a clear. */
class GreyBackground implements BackgroundStage {
  readonly name = 'grey';
  calls = 0;
  active = true;
  private gl: WebGLRenderingContext | null = null;

  open(deps: FilterDeps): void {
    this.gl = deps.gl;
  }

  render(ctx: PassContext): Texture {
    this.calls++;
    if (!this.active) return ctx.frame;
    const gl = this.gl!;
    const target: RenderTarget = ctx.targets.acquire();
    gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
    gl.clearColor(0.5, 0.5, 0.5, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    return target;
  }

  dispose(): void {}
}

describe('GlCompositor background stage (extension point)', function () {
  it('runs before the face filters over the whole frame; the face filters see its picture', async function () {
    const stage = new GreyBackground();
    const compositor = new GlCompositor({ background: stage });
    await compositor.open({ width: W, height: H, fps: 30 });
    try {
      const frame = fixtureFrame();
      const grey = compositor.composite(frame, null, only('toon')).rgba.slice();
      assert.equal(stage.calls, 1);
      for (let i = 0; i < grey.length; i += 4) assert.deepEqual([grey[i], grey[i + 1], grey[i + 2]], [128, 128, 128]);
      // With a face, sketch runs on the grey picture: flat grey gives flat paper, no strokes.
      const sketched = compositor.composite(frame, fixtureMatte(), only('sketch')).rgba.slice();
      assert.ok(changedPixels(sketched, grey).length > 0);
      stage.active = false;
      assert.deepEqual(compositor.composite(frame, null, only('toon')).rgba.slice(), frame.rgba);
    } finally {
      await compositor.close();
    }
  });

  it('keeps pixels outside the face roi exactly as the stage made them', async function () {
    const compositor = new GlCompositor({ background: new GreyBackground() });
    await compositor.open({ width: W, height: H, fps: 30 });
    try {
      const out = compositor.composite(fixtureFrame(), fixtureMatte(), only('recolor', { amount: 1 })).rgba;
      const r = FIXTURE_ROI;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) continue;
          assert.equal(out[(y * W + x) * 4], 128, `(${x}, ${y})`);
        }
      }
    } finally {
      await compositor.close();
    }
  });
});
