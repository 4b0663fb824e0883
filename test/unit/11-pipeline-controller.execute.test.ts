import assert from 'node:assert/strict';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { type VirtualCamera } from '../../src/pipeline/sink/virtual-camera.js';
import { CommandError } from '../../src/pipeline/controller/commands.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { FILTER_NAMES } from '../../src/pipeline/filter-settings/filter-catalogue.js';

class FakeVirtualCamera implements VirtualCamera {
  available = true;
  active = false;
  detail = '/dev/video10';
  async start() {
    this.active = true;
  }
  async stop() {
    this.active = false;
  }
}

function make(cam?: VirtualCamera) {
  const ctl = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name, virtualCamera: cam });
  const events: Array<[string, unknown]> = [];
  for (const name of ['filter-enabled', 'filter-settings', 'filter-order', 'preset', 'paused', 'virtualcam', 'change'] as const) {
    ctl.on(name, (e: unknown) => events.push([name, e]));
  }
  return { ctl, events };
}

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (err: unknown) => err instanceof CommandError && err.code === code);

describe('PipelineController#execute', function () {
  it('always holds every filter once, the preset\'s first and enabled', function () {
    const { ctl } = make();
    const names = ctl.chain().map((f) => f.name);
    assert.deepEqual([...names].sort(), [...FILTER_NAMES].sort());
    assert.deepEqual(ctl.chain().filter((f) => f.enabled).map((f) => f.name), PRESETS[0].filters.map((f) => f.name));
  });

  it('toggles and enables filters, emitting one event per real change with its origin', async function () {
    const { ctl, events } = make();
    await ctl.execute({ type: 'filter.toggle', name: 'toon' }, 'hotkey');
    assert.equal(ctl.chain().find((f) => f.name === 'toon')!.enabled, true);
    await ctl.execute({ type: 'filter.enable', name: 'toon', enabled: true }, 'http');
    assert.deepEqual(events, [
      ['filter-enabled', { name: 'toon', enabled: true, origin: 'hotkey' }],
      ['change', { origin: 'hotkey' }],
    ]);
  });

  it('validates settings and keeps the others', async function () {
    const { ctl, events } = make();
    await ctl.execute({ type: 'filter.settings', name: 'beautify', settings: { strength: 0.9 } }, 'obs-websocket');
    assert.deepEqual(ctl.state().filters.find((f) => f.name === 'beautify')!.settings, { strength: 0.9, radius: 4 });
    assert.equal(events[0][0], 'filter-settings');
    await rejectsWith(ctl.execute({ type: 'filter.settings', name: 'beautify', settings: { strength: 3 } }, 'http'), 'invalid-settings');
    await rejectsWith(ctl.execute({ type: 'filter.settings', name: 'beautify', settings: { glow: 1 } }, 'http'), 'invalid-settings');
    await rejectsWith(ctl.execute({ type: 'filter.settings', name: 'anonymize', settings: { mode: 'smudge' } }, 'http'), 'invalid-settings');
    await rejectsWith(ctl.execute({ type: 'filter.settings', name: 'recolor', settings: { tint: 'red' } }, 'http'), 'invalid-settings');
    assert.equal(ctl.state().filters.find((f) => f.name === 'beautify')!.settings.strength, 0.9, 'a refused change changes nothing');
  });

  it('refuses unknown filters and presets with their codes', async function () {
    const { ctl } = make();
    await rejectsWith(ctl.execute({ type: 'filter.toggle', name: 'sparkle' as never }, 'http'), 'unknown-filter');
    await rejectsWith(ctl.execute({ type: 'preset.select', name: 'Disco' }, 'http'), 'unknown-preset');
  });

  it('moves a filter in the chain', async function () {
    const { ctl, events } = make();
    await ctl.execute({ type: 'filter.move', name: 'matte', index: 0 }, 'web');
    assert.equal(ctl.chain()[0].name, 'matte');
    assert.equal(events[0][0], 'filter-order');
    await rejectsWith(ctl.execute({ type: 'filter.move', name: 'matte', index: 99 }, 'web'), 'invalid-value');
  });

  it('selects presets, cycling with next and previous', async function () {
    const { ctl, events } = make();
    await ctl.execute({ type: 'preset.next' }, 'hotkey');
    assert.equal(ctl.state().preset, PRESETS[1].name);
    assert.deepEqual(ctl.chain().filter((f) => f.enabled).map((f) => f.name), PRESETS[1].filters.map((f) => f.name));
    assert.ok(events.some(([n, e]) => n === 'preset' && (e as { name: string }).name === PRESETS[1].name));
    await ctl.execute({ type: 'preset.previous' }, 'hotkey');
    await ctl.execute({ type: 'preset.previous' }, 'hotkey');
    assert.equal(ctl.state().preset, PRESETS.at(-1)!.name);
  });

  it('pauses and resumes', async function () {
    const { ctl, events } = make();
    await ctl.execute({ type: 'camera.pause' }, 'hotkey');
    assert.equal(ctl.paused, true);
    await ctl.execute({ type: 'camera.pause', paused: false }, 'http');
    assert.equal(ctl.paused, false);
    assert.deepEqual(events.filter(([n]) => n === 'paused').map(([, e]) => (e as { paused: boolean }).paused), [true, false]);
  });

  it('drives the virtual camera and reports its states', async function () {
    const cam = new FakeVirtualCamera();
    const { ctl, events } = make(cam);
    await ctl.execute({ type: 'virtualcam.start' }, 'obs-websocket');
    assert.equal(cam.active, true);
    await rejectsWith(ctl.execute({ type: 'virtualcam.start' }, 'obs-websocket'), 'already-active');
    await ctl.execute({ type: 'virtualcam.toggle' }, 'hotkey');
    assert.equal(cam.active, false);
    await rejectsWith(ctl.execute({ type: 'virtualcam.stop' }, 'http'), 'not-active');
    assert.deepEqual(events.filter(([n]) => n === 'virtualcam').map(([, e]) => (e as { active: boolean }).active), [true, false]);
    cam.available = false;
    await rejectsWith(ctl.execute({ type: 'virtualcam.start' }, 'http'), 'unavailable');
  });
});
