import assert from 'node:assert/strict';
import { PortalHotkeys } from '../../src/hotkeys/portal-hotkeys.js';
import { resolveHotkeyBindings } from '../../src/hotkeys/hotkey-binding.js';
import { startHotkeys } from '../../src/hotkeys/start-hotkeys.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { DbusSession } from './fixtures/dbus-session.js';
import { FakePortal } from './fixtures/fake-portal.js';
import { waitUntil } from '../helpers/wait.js';

const controller = () => new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
const enabled = (c: PipelineController, name: string) => c.chain().find((f) => f.name === name)!.enabled;

describe('Wayland hotkeys through the XDG GlobalShortcuts portal (private D-Bus)', function () {
  this.timeout(30_000);
  let bus: DbusSession;
  beforeEach(async function () {
    bus = await DbusSession.start();
  });
  afterEach(async function () {
    await bus.stop();
  });

  const wayland = () => ({ WAYLAND_DISPLAY: 'wayland-test', XDG_SESSION_TYPE: 'wayland', DBUS_SESSION_BUS_ADDRESS: bus.address });

  it('binds every hotkey with its preferred trigger and runs the action on Activated', async function () {
    const portal = await FakePortal.start(bus.address);
    const c = controller();
    const hotkeys = await startHotkeys({ controller: c, bindings: ['ctrl+alt+v=none'], env: wayland() });
    try {
      assert.equal(hotkeys.status, 'active', hotkeys.detail);
      assert.equal(hotkeys.backend, 'portal');
      assert.match(hotkeys.detail, /XDG GlobalShortcuts portal.*desktop shows: Press CTRL\+ALT\+1/);
      const byId = new Map(portal.bound.map((b) => [b.id, b]));
      assert.equal(byId.get('facemat-ctrl-alt-1')?.trigger, 'CTRL+ALT+1');
      assert.equal(byId.get('facemat-ctrl-alt-1')?.description, 'facemat-cam: toggle:beautify');
      assert.equal(byId.has('facemat-ctrl-alt-v'), false, 'removed bindings are not bound');

      portal.activate('facemat-ctrl-alt-2', '/org/freedesktop/portal/desktop/session/other/x');
      portal.activate('facemat-ctrl-alt-3');
      await waitUntil(async () => enabled(c, 'sketch'), 'Activated to toggle sketch', { everyMs: 50 });
      // Signals arrive in order: the other session's ctrl+alt+2 came first and did nothing.
      assert.equal(enabled(c, 'toon'), false, "another session's Activated is ignored");
      portal.activate('facemat-ctrl-alt-2');
      await waitUntil(async () => enabled(c, 'toon'), 'Activated to toggle toon', { everyMs: 50 });
      portal.activate('facemat-ctrl-alt-n');
      await waitUntil(async () => c.state().preset === 'Cartoon', 'Activated to select the next preset', { everyMs: 50 });
    } finally {
      await hotkeys.stop();
      portal.stop();
    }
    assert.deepEqual(portal.closedSessions, [portal.sessionHandle], 'stop() closes the portal session');
  });

  it('reports "unavailable" when the bus has no portal', async function () {
    const hotkeys = await startHotkeys({ controller: controller(), bindings: [], env: wayland() });
    assert.equal(hotkeys.status, 'unavailable');
    assert.match(hotkeys.detail, /GlobalShortcuts portal: no XDG desktop portal on the session bus; use the HTTP API or `facemat ctl`$/);
  });

  it('reports "unavailable" when the user declines the shortcuts', async function () {
    const portal = await FakePortal.start(bus.address, 1);
    try {
      const hotkeys = await startHotkeys({ controller: controller(), bindings: [], env: wayland() });
      assert.equal(hotkeys.status, 'unavailable');
      assert.match(hotkeys.detail, /BindShortcuts was cancelled by the user/);
    } finally {
      portal.stop();
    }
  });

  it('gives up on a portal that never answers instead of hanging', async function () {
    const portal = await FakePortal.start(bus.address, 'never');
    try {
      await assert.rejects(
        PortalHotkeys.start(resolveHotkeyBindings([]), () => {}, { busAddress: bus.address, timeoutsMs: { bind: 300 } }),
        /BindShortcuts \(no answer from the portal\) timed out after 0.3 s/,
      );
    } finally {
      portal.stop();
    }
  });
});
