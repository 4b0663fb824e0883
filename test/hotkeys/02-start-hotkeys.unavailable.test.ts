import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HostProcess } from './fixtures/host-process.js';

/** A display number no X server uses here. */
function unusedDisplay(): string {
  for (let n = 900; n < 999; n++) if (!existsSync(`/tmp/.X11-unix/X${n}`)) return `:${n}`;
  throw new Error('no free display number');
}

/** Starts the host in `env`, checks it reports "unavailable", still serves, and exits cleanly. */
async function expectUnavailable(env: Record<string, string>, reason: RegExp): Promise<void> {
  const host = await HostProcess.start(env);
  try {
    assert.equal(host.info.status, 'unavailable');
    assert.equal(host.info.backend, 'none');
    assert.match(host.info.detail, /^hotkeys unavailable: /);
    assert.match(host.info.detail, /; use the HTTP API or `facemat ctl`$/);
    assert.match(host.info.detail, reason);
    // The process carries on: the API answers and commands still work.
    const r = await host.api('POST', '/api/presets/Cartoon');
    assert.equal(r.status, 200);
    assert.equal(r.body.state.preset, 'Cartoon');
    assert.match(host.log, /warn: hotkeys unavailable/);
  } finally {
    assert.equal(await host.stop(), 0);
  }
}

describe('startHotkeys where no hotkeys can work', function () {
  this.timeout(60_000);

  it('without DISPLAY reports "unavailable" instead of hanging, and the process carries on', async function () {
    await expectUnavailable({}, /no DISPLAY and no Wayland session/);
  });

  it('with a DISPLAY no X server answers (stale SSH or Xvfb) does not hang', async function () {
    const display = unusedDisplay();
    await expectUnavailable({ DISPLAY: display }, new RegExp(`no X server answers on DISPLAY=${display}`));
  });

  it('with a malformed DISPLAY says so', async function () {
    await expectUnavailable({ DISPLAY: 'not-a-display' }, /DISPLAY "not-a-display" is not of the form/);
  });

  it('on Wayland without a session bus explains that keys cannot be grabbed there', async function () {
    await expectUnavailable(
      { WAYLAND_DISPLAY: 'wayland-0', XDG_SESSION_TYPE: 'wayland', DISPLAY: unusedDisplay() },
      /Wayland does not let applications grab keys.*no D-Bus session bus for the GlobalShortcuts portal/,
    );
  });

  it('rejects a binding it cannot parse with a clear message', async function () {
    await assert.rejects(HostProcess.start({}, ['ctrl+alt+1=toggle:glitter']), /unknown action "toggle:glitter"/);
  });
});
