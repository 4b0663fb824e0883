import assert from 'node:assert/strict';
import { HostProcess, jpegPixel } from './fixtures/host-process.js';
import { waitUntil } from '../helpers/wait.js';
import { Xvfb, xdotoolKey } from './fixtures/xvfb.js';

const PINK = [255, 120, 180]; // the producer's beautify band
const ORANGE = [255, 110, 60]; // its recolor band

const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 40);

describe('X11 global hotkeys (uiohook-napi) under Xvfb with xdotool', function () {
  this.timeout(60_000);
  let xvfb: Xvfb;
  let host: HostProcess;

  before(async function () {
    xvfb = await Xvfb.start();
    host = await HostProcess.start({ DISPLAY: xvfb.display }, ['ctrl+shift+f9=preset:next']);
  });
  after(async function () {
    const code = await host?.stop();
    await xvfb?.stop();
    assert.equal(code, 0, 'the host shut down cleanly, hook process included');
  });

  const filter = async (name: string) => (await host.api('GET', '/api/state')).body.filters.find((f: any) => f.name === name).enabled as boolean;
  const topBand = async () => jpegPixel((await host.api('GET', '/preview.jpg')).body, 320, 160, 10);

  it('reports the X11 backend as active with its bindings', function () {
    assert.equal(host.info.status, 'active', host.info.detail);
    assert.equal(host.info.backend, 'x11');
    assert.match(host.info.detail, new RegExp(`X11, DISPLAY=${xvfb.display}`));
    assert.match(host.info.detail, /ctrl\+alt\+1=toggle:beautify/);
  });

  it('ctrl+alt+1 toggles beautify in the running controller and in the output frames', async function () {
    assert.equal(await filter('beautify'), true, 'Natural starts with beautify on');
    assert.ok(near(await topBand(), PINK), 'beautify shows in the output before');
    await xdotoolKey(xvfb.display, 'ctrl+alt+1');
    await waitUntil(async () => !(await filter('beautify')), 'beautify to be switched off by the hotkey', { everyMs: 50 });
    // The first band is now recolor's: the frames reaching the sinks changed.
    await waitUntil(async () => near(await topBand(), ORANGE), 'the output to lose the beautify band', { everyMs: 50 });
    await xdotoolKey(xvfb.display, 'ctrl+alt+1');
    await waitUntil(async () => filter('beautify'), 'beautify back on', { everyMs: 50 });
    await waitUntil(async () => near(await topBand(), PINK), 'the beautify band back in the output', { everyMs: 50 });
  });

  it('fires only on the exact chord', async function () {
    const sketchBefore = await filter('sketch');
    const toonBefore = await filter('toon');
    await xdotoolKey(xvfb.display, 'ctrl+2', 'alt+2', 'ctrl+alt+shift+2');
    await xdotoolKey(xvfb.display, 'ctrl+alt+3');
    await waitUntil(async () => (await filter('sketch')) !== sketchBefore, 'ctrl+alt+3 to toggle sketch', { everyMs: 50 });
    // X delivers key events in order, so the near misses above were seen before ctrl+alt+3.
    assert.equal(await filter('toon'), toonBefore, 'ctrl+2, alt+2 and ctrl+alt+shift+2 did nothing');
  });

  it('user bindings work next to the defaults (ctrl+shift+f9 = next preset), and pause', async function () {
    const before = (await host.api('GET', '/api/state')).body.preset;
    await xdotoolKey(xvfb.display, 'ctrl+shift+F9');
    await waitUntil(async () => (await host.api('GET', '/api/state')).body.preset !== before, 'the preset to change', { everyMs: 50 });
    await xdotoolKey(xvfb.display, 'ctrl+alt+0');
    await waitUntil(async () => (await host.api('GET', '/api/state')).body.paused === true, 'ctrl+alt+0 to pause the camera', { everyMs: 50 });
  });
});

describe('X11 hotkeys when the X server cannot hook keys', function () {
  this.timeout(60_000);

  it('an X server without the RECORD extension gives "unavailable" and the process carries on', async function () {
    const xvfb = await Xvfb.start(['-extension', 'RECORD']);
    const host = await HostProcess.start({ DISPLAY: xvfb.display });
    try {
      assert.equal(host.info.status, 'unavailable');
      assert.match(host.info.detail, /^hotkeys unavailable: .*RECORD extension.*; use the HTTP API or `facemat ctl`$/);
      const toggled = await host.api('POST', '/api/filters/toon/toggle');
      assert.equal(toggled.status, 200, 'the HTTP API still serves');
      assert.equal(toggled.body.state.filters.find((f: any) => f.name === 'toon').enabled, true);
    } finally {
      assert.equal(await host.stop(), 0);
      await xvfb.stop();
    }
  });
});
