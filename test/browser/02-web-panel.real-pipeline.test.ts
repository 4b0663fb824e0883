import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OBSWebSocket from 'obs-websocket-js';
import type { Page } from 'playwright-core';
import { INPUT_NAME } from '../../src/obs/server/state-model.js';
import { FacematRun } from '../hotkeys/fixtures/facemat-run.js';
import { Xvfb } from '../hotkeys/fixtures/xvfb.js';
import { HeadlessChromium } from './fixtures/chromium.js';
import { readPreview } from './fixtures/preview-image.js';
import { waitUntil } from '../helpers/wait.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Mean colourfulness (max - min channel) of the preview <img> as the browser shows it. */
async function previewColour(page: Page): Promise<number> {
  const { data: d } = await readPreview(page);
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
  return sum / (d.length / 4);
}

describe('web control panel on a real `facemat run` (model, GL compositor)', function () {
  this.timeout(180_000);
  let xvfb: Xvfb;
  let run: FacematRun;
  let browser: HeadlessChromium;
  let page: Page;
  let obs: OBSWebSocket;
  const obsEvents: Array<{ filterName: string; filterEnabled: boolean }> = [];

  before(async function () {
    xvfb = await Xvfb.start(); // the GL compositor's display
    run = await FacematRun.start(xvfb.display);
    obs = new OBSWebSocket();
    await obs.connect(run.url.replace('http:', 'ws:'), run.password);
    obs.on('SourceFilterEnableStateChanged', (e) => obsEvents.push(e));
    browser = await HeadlessChromium.launch();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${run.url}?key=${encodeURIComponent(run.password)}`);
    await page.waitForSelector('#panel:not([hidden])');
    await waitUntil(() => page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0), 'a first preview frame from facemat run', { timeoutMs: 60_000, everyMs: 100 });
  });

  after(async function () {
    await obs?.disconnect();
    await browser?.close();
    const code = await run?.stop();
    await xvfb?.stop();
    assert.equal(code, 0, run?.log);
  });

  it('shows the pipeline and its model in the panel', async function () {
    const info = await page.textContent('#info');
    assert.match(info!, /model facemat-student/);
    assert.match(info!, /output 640x360 @ 15 fps/);
  });

  it('the debug view buttons switch the real output to the matte, seen in the preview and by obs-websocket', async function () {
    await waitUntil(async () => (await previewColour(page)) >= 20, 'colour video in the preview', { timeoutMs: 60_000, everyMs: 100, observe: () => previewColour(page) });
    obsEvents.length = 0;
    await page.click('[data-view="alpha"]');
    await waitUntil(() => obsEvents.some((e) => e.filterName === 'matte' && e.filterEnabled), 'obs-websocket to see the matte view enabled', { everyMs: 50, observe: () => obsEvents });
    const filter = await obs.call('GetSourceFilter', { sourceName: INPUT_NAME, filterName: 'matte' });
    assert.equal(filter.filterEnabled, true);
    assert.equal(filter.filterSettings.view, 'alpha');
    // The composited frames in the browser are now the grey alpha matte.
    await waitUntil(async () => (await previewColour(page)) <= 3, 'the grey matte in the preview', { timeoutMs: 60_000, everyMs: 100, observe: () => previewColour(page) });
    await page.click('[data-view="off"]');
    await waitUntil(async () => (await previewColour(page)) >= 20, 'colour video in the preview again', { timeoutMs: 60_000, everyMs: 100, observe: () => previewColour(page) });
  });

  it('takes the README screenshot of the panel (docs/images/panel.png with FACEMAT_UPDATE_SCREENSHOTS=1)', async function () {
    await page.click('[data-preset="Cartoon"]');
    await page.waitForSelector('[data-preset="Cartoon"][aria-pressed="true"]');
    await waitUntil(() => obsEvents.some((e) => e.filterName === 'toon' && e.filterEnabled), 'obs-websocket to see toon enabled by the Cartoon preset', { everyMs: 50, observe: () => obsEvents });
    // A few metrics events fill the plots.
    await page.waitForTimeout(8000);
    const update = process.env.FACEMAT_UPDATE_SCREENSHOTS === '1';
    const dir = update ? join(REPO, 'docs', 'images') : mkdtempSync(join(tmpdir(), 'facemat-shot-'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'panel.png');
    try {
      await page.screenshot({ path, fullPage: true });
      const png = readFileSync(path);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
      assert.equal(png.readUInt32BE(16), 1280, 'as wide as the window');
    } finally {
      if (!update) rmSync(dir, { recursive: true, force: true });
    }
  });
});
