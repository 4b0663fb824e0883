import assert from 'node:assert/strict';
import { colourfulness, FacematRun } from './fixtures/facemat-run.js';
import { waitUntil } from '../helpers/wait.js';
import { Xvfb, xdotoolKey } from './fixtures/xvfb.js';

describe('hotkeys in a real `facemat run` (model, GL compositor) under Xvfb', function () {
  this.timeout(180_000);
  let xvfb: Xvfb;
  let run: FacematRun;

  before(async function () {
    xvfb = await Xvfb.start();
    run = await FacematRun.start(xvfb.display);
  });
  after(async function () {
    const code = await run?.stop();
    await xvfb?.stop();
    assert.equal(code, 0, run?.log);
  });

  const matte = async () => (await run.api('GET', '/api/state')).body.filters.find((f: any) => f.name === 'matte').enabled as boolean;
  const frameColour = async () => colourfulness((await run.api('GET', '/preview.jpg')).body);

  it('starts X11 hotkeys', function () {
    assert.match(run.log, /global hotkeys active \(X11, DISPLAY=:\d+\)/);
  });

  it('ctrl+alt+7 switches the output to the matte debug view and back', async function () {
    assert.equal(await matte(), false);
    await waitUntil(async () => (await frameColour()) > 20, 'colour video from the pipeline', { timeoutMs: 60_000, everyMs: 50, observe: frameColour });
    await xdotoolKey(xvfb.display, 'ctrl+alt+7');
    await waitUntil(async () => matte(), 'the hotkey to enable the matte view', { everyMs: 50 });
    // The alpha matte is drawn in grey: the output frames lose their colour.
    await waitUntil(async () => (await frameColour()) < 3, 'grey matte frames in the output', { timeoutMs: 60_000, everyMs: 50, observe: frameColour });
    await xdotoolKey(xvfb.display, 'ctrl+alt+7');
    await waitUntil(async () => !(await matte()), 'the matte view to go off', { everyMs: 50 });
    await waitUntil(async () => (await frameColour()) > 20, 'colour video again', { timeoutMs: 60_000, everyMs: 50, observe: frameColour });
  });

  it('stops cleanly, the hotkey process with it', async function () {
    const code = await run.stop();
    assert.equal(code, 0, run.log);
    assert.doesNotMatch(run.log, /global hotkeys stopped/, 'the hook ended in order, not on its own');
  });
});
