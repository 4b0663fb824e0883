/**
 * Golden images: each filter (and each debug view, and the default preset) on the fixed frame and
 * matte of fixtures/, compared with the reference PNG in golden/. Mesa's llvmpipe is deterministic
 * on one machine; across Mesa versions rounding may differ slightly, hence the tolerance:
 * at most 0.5 % of the RGB values may differ by more than 2 levels, the mean difference must stay
 * under 0.5 levels, and no value may differ by more than 32.
 *
 * After an intended change: UPDATE_GOLDEN=1 npx mocha test/gl/21-gl-compositor.golden.test.ts,
 * then look at the new PNGs before committing them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import type { FilterInstance } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { DEFAULT_PRESET, PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import type { Matte } from '../../src/pipeline/frame.js';
import { diff, FILTER_CASES, fixtureFrame, fixtureMatte, fixtureMatteWithUncertainty, GOLDEN_DIR, H, only, readPng, W, writePng } from './fixtures.js';

const TOLERANCE = 2;
const MAX_OVER = 0.005;
const MAX_MEAN = 0.5;
const MAX_ANY = 32;

const defaultPreset = PRESETS.find((p) => p.name === DEFAULT_PRESET)!;
const CASES: ReadonlyArray<{ id: string; chain: FilterInstance[]; matte: () => Matte }> = [
  ...FILTER_CASES.map((c) => ({ ...c, matte: fixtureMatte })),
  { id: 'matte-alpha', chain: only('matte', { view: 'alpha' }), matte: fixtureMatte },
  { id: 'matte-uncertainty', chain: only('matte', { view: 'uncertainty' }), matte: fixtureMatteWithUncertainty },
  { id: 'matte-split', chain: chainForPreset(defaultPreset).map((f) => (f.name === 'matte' ? { ...f, enabled: true, settings: { view: 'split' } } : f)), matte: fixtureMatte },
  { id: `preset-${DEFAULT_PRESET.toLowerCase()}`, chain: chainForPreset(defaultPreset), matte: fixtureMatte },
];

describe('GlCompositor golden images', function () {
  let compositor: GlCompositor;
  const update = process.env.UPDATE_GOLDEN === '1';

  before(async function () {
    compositor = new GlCompositor();
    await compositor.open({ width: W, height: H, fps: 30 });
  });

  after(async function () {
    await compositor.close();
  });

  for (const c of CASES) {
    it(`${c.id} matches golden/${c.id}.png`, function () {
      const out = compositor.composite(fixtureFrame(), c.matte(), c.chain).rgba;
      const path = join(GOLDEN_DIR, `${c.id}.png`);
      if (update) writePng(path, W, H, out);
      assert.ok(existsSync(path), `no golden image ${path}; create it with UPDATE_GOLDEN=1`);
      const golden = readPng(path);
      assert.equal(golden.width, W);
      assert.equal(golden.height, H);
      const d = diff(out, golden.data, TOLERANCE);
      assert.ok(
        d.over <= MAX_OVER && d.mean <= MAX_MEAN && d.max <= MAX_ANY,
        `${c.id}: ${(d.over * 100).toFixed(2)} % of values off by more than ${TOLERANCE}, mean ${d.mean.toFixed(3)}, max ${d.max}`,
      );
    });
  }
});
