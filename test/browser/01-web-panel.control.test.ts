import assert from 'node:assert/strict';
import OBSWebSocket from 'obs-websocket-js';
import type { Page } from 'playwright-core';
import { startControlServer, type ControlServer } from '../../src/http/control-server.js';
import { setLogSink } from '../../src/log.js';
import { createObsWebSocketServer } from '../../src/obs/server/obs-websocket-server.js';
import { INPUT_NAME } from '../../src/obs/server/state-model.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { type VirtualCamera } from '../../src/pipeline/sink/virtual-camera.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { PipelineMetrics } from '../../src/pipeline/scheduler/metrics.js';
import { HeadlessChromium } from './fixtures/chromium.js';
import { SinkFanout } from '../../src/pipeline/scheduler/sink-fanout.js';
import { TestFrameProducer } from './fixtures/frame-producer.js';
import { readPreview } from './fixtures/preview-image.js';
import { waitUntil } from '../helpers/wait.js';

const PASSWORD = 'panel test password';

class MemoryVirtualCamera implements VirtualCamera {
  readonly available = true;
  readonly detail = '/dev/video10';
  active = false;
  async start() {
    this.active = true;
  }
  async stop() {
    this.active = false;
  }
}

/** Pixel (x, y) of the preview as the browser shows it, RGB. */
async function previewPixel(page: Page, x: number, y: number): Promise<number[]> {
  const { width, data } = await readPreview(page);
  const i = (y * width + x) * 4;
  return [data[i], data[i + 1], data[i + 2]];
}

const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 40);
const YELLOW = [255, 220, 0]; // the producer paints an enabled toon filter as a yellow band

describe('web control panel in headless Chromium', function () {
  this.timeout(90_000);
  let controller: PipelineController;
  let server: ControlServer;
  let producer: TestFrameProducer;
  let browser: HeadlessChromium;
  let page: Page;
  let obs: OBSWebSocket;
  let restoreLog: (line: string) => void;
  const obsEvents: Array<{ filterName: string; filterEnabled: boolean }> = [];
  const enabled = (name: string) => controller.chain().find((f) => f.name === name)!.enabled;
  const base = () => server.address.url;

  before(async function () {
    restoreLog = setLogSink(() => {});
    const metrics = new PipelineMetrics();
    const fanout = new SinkFanout(metrics);
    controller = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name, virtualCamera: new MemoryVirtualCamera(), sinks: fanout, info: () => ({ source: 'synthetic', sinks: ['v4l2:/dev/video10'], format: { width: 640, height: 360, fps: 25 }, model: 'facemat-student.onnx', provider: 'cpu' }), metrics: () => metrics.snapshot() });
    const obsServer = createObsWebSocketServer({ controller, password: PASSWORD });
    server = await startControlServer({ controller, host: '127.0.0.1', port: 0, password: PASSWORD, upgradeHandler: obsServer });
    producer = new TestFrameProducer(controller, fanout, 640, 360, 40, metrics);
    producer.start();
    obs = new OBSWebSocket();
    await obs.connect(`ws://127.0.0.1:${server.address.port}`, PASSWORD);
    obs.on('SourceFilterEnableStateChanged', (e) => obsEvents.push(e));
    browser = await HeadlessChromium.launch();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
  });

  after(async function () {
    await obs?.disconnect();
    producer?.stop();
    await browser?.close();
    await server?.close();
    setLogSink(restoreLog);
  });

  it('asks for the password, refuses a wrong one and opens with the right one', async function () {
    await page.goto(base());
    await page.waitForSelector('#login:not([hidden])');
    assert.equal(await page.isVisible('#panel'), false);
    await page.fill('#password', 'wrong');
    await page.click('#login-form button[type=submit]');
    await waitUntil(() => page.evaluate(() => document.getElementById('login-error')!.textContent === 'Wrong password.'), 'the panel to say "Wrong password."', {
      everyMs: 20,
      observe: () => page.textContent('#login-error'),
    });
    await page.fill('#password', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#panel:not([hidden])');
    assert.equal(await page.locator('.filter').count(), 7, 'one card per filter in the catalogue');
    assert.equal(await page.locator('[data-preset]').count(), PRESETS.length);
    assert.equal(await page.getAttribute('[data-preset="Natural"]', 'aria-pressed'), 'true');
  });

  it('a ?key= link opens the panel and the key leaves the address bar', async function () {
    await page.goto(`${base()}?key=${encodeURIComponent(PASSWORD)}`);
    await page.waitForSelector('#panel:not([hidden])');
    assert.equal(new URL(page.url()).search, '');
    await waitUntil(() => page.evaluate(() => document.getElementById('connection')!.dataset.state === 'live'), 'the panel\'s event stream to be live', {
      everyMs: 20,
      observe: () => page.evaluate(() => document.getElementById('connection')!.dataset.state),
    });
  });

  it('the preview shows moving frames', async function () {
    await waitUntil(() => page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth > 0), 'a first preview frame in the panel', { everyMs: 20 });
    const hashes = new Set<string>();
    await waitUntil(
      async () => {
        const { data } = await readPreview(page);
        let h = 0;
        for (let i = 0; i < data.length; i += 97) h = (h * 31 + data[i]) | 0;
        hashes.add(String(h));
        return hashes.size >= 3;
      },
      'three different pictures in the preview',
      { everyMs: 100, observe: () => `${hashes.size} different pictures` },
    );
    assert.equal(await page.evaluate(() => (document.getElementById('preview') as HTMLImageElement).naturalWidth), 640);
  });

  it('clicking a toggle changes the pipeline, its output and what an obs-websocket client sees', async function () {
    assert.equal(enabled('toon'), false);
    obsEvents.length = 0;
    await page.click('[data-toggle="toon"]');
    await waitUntil(() => page.evaluate(() => (document.querySelector('[data-toggle="toon"]') as HTMLInputElement).checked), 'the toon toggle to show checked', { everyMs: 20 });
    await waitUntil(() => enabled('toon'), 'the pipeline to enable toon', { everyMs: 20 });
    // The obs-websocket client connected to the same control port saw the change...
    await waitUntil(() => obsEvents.some((e) => e.filterName === 'toon'), 'the obs-websocket client to see toon change', { everyMs: 20, observe: () => obsEvents });
    assert.deepEqual(obsEvents.find((e) => e.filterName === 'toon'), { sourceName: INPUT_NAME, filterName: 'toon', filterEnabled: true });
    const filter = await obs.call('GetSourceFilter', { sourceName: INPUT_NAME, filterName: 'toon' });
    assert.equal(filter.filterEnabled, true);
    // ...and the output frames in the panel's preview changed: Natural's chain is beautify,
    // recolor, then toon, so toon's band is the third (rows 40-59).
    await waitUntil(async () => near(await previewPixel(page, 320, 50), YELLOW), 'toon\'s yellow band in the preview', { everyMs: 50, observe: () => previewPixel(page, 320, 50) });
  });

  it('changes made by a hotkey or an obs-websocket client appear in the panel', async function () {
    await controller.execute({ type: 'filter.toggle', name: 'sketch' }, 'hotkey');
    await waitUntil(() => page.evaluate(() => (document.querySelector('[data-toggle="sketch"]') as HTMLInputElement).checked), 'the sketch toggle to show checked after the hotkey', { everyMs: 20 });
    await obs.call('SetSourceFilterEnabled', { sourceName: INPUT_NAME, filterName: 'facepaint', filterEnabled: true });
    await waitUntil(() => page.evaluate(() => (document.querySelector('[data-toggle="facepaint"]') as HTMLInputElement).checked), 'the facepaint toggle to show checked after obs-websocket', { everyMs: 20 });
    await obs.call('SetSourceFilterSettings', { sourceName: INPUT_NAME, filterName: 'beautify', filterSettings: { strength: 0.15 } });
    await waitUntil(() => page.evaluate(() => (document.querySelector('[data-setting="beautify.strength"]') as HTMLInputElement).value === '0.15'), 'the beautify slider to show 0.15', {
      everyMs: 20,
      observe: () => page.evaluate(() => (document.querySelector('[data-setting="beautify.strength"]') as HTMLInputElement).value),
    });
  });

  it('sliders, selects and the debug view buttons change filter settings', async function () {
    await page.evaluate(() => {
      const slider = document.querySelector('[data-setting="toon.levels"]') as HTMLInputElement;
      slider.value = '3';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      slider.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await waitUntil(() => controller.chain().find((f) => f.name === 'toon')!.settings.levels === 3, 'toon.levels to become 3', { everyMs: 20 });
    await page.selectOption('[data-setting="anonymize.mode"]', 'blur');
    await waitUntil(() => controller.chain().find((f) => f.name === 'anonymize')!.settings.mode === 'blur', 'anonymize.mode to become blur', { everyMs: 20 });
    await page.click('[data-view="uncertainty"]');
    await waitUntil(() => enabled('matte'), 'the matte view to switch on', { everyMs: 20 });
    assert.equal(controller.chain().find((f) => f.name === 'matte')!.settings.view, 'uncertainty');
    await page.waitForSelector('[data-view="uncertainty"][aria-checked="true"]');
    await page.click('[data-view="off"]');
    await waitUntil(() => !enabled('matte'), 'the matte view to switch off', { everyMs: 20 });
  });

  it('keyboard shortcuts: digits toggle filters, n/p presets, space pauses, m cycles the debug view', async function () {
    // Shortcuts are ignored while a form control has the focus (the previous test used a select).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // A failure names the key and where the focus was instead of timing out.
    const press = async (key: string, what: string, done: () => boolean) => {
      await page.keyboard.press(key);
      await waitUntil(done, `key "${key}" to ${what}`, { everyMs: 20, observe: async () => `focus on ${await page.evaluate(() => document.activeElement?.tagName)}` });
    };
    const toon = enabled('toon');
    await press('2', 'toggle toon', () => enabled('toon') !== toon);
    await press('n', 'select the next preset', () => controller.state().preset === 'Cartoon');
    await press('p', 'select the previous preset', () => controller.state().preset === 'Natural');
    await press(' ', 'pause', () => controller.paused);
    await page.waitForSelector('#paused-overlay:not([hidden])');
    await press(' ', 'resume', () => !controller.paused);
    await press('m', 'show the matte view', () => enabled('matte'));
    assert.equal(controller.chain().find((f) => f.name === 'matte')!.settings.view, 'alpha');
    await press('m', 'cycle to the uncertainty view', () => controller.chain().find((f) => f.name === 'matte')!.settings.view === 'uncertainty');
    await page.click('[data-view="off"]');
    await waitUntil(() => !enabled('matte'), 'the matte view to switch off', { everyMs: 20 });
  });

  it('preset buttons, pause and the virtual camera button', async function () {
    await page.click('[data-preset="Privacy"]');
    await waitUntil(() => controller.state().preset === 'Privacy', 'the Privacy preset', { everyMs: 20, observe: () => controller.state().preset });
    await page.waitForSelector('[data-preset="Privacy"][aria-pressed="true"]');
    await page.click('#virtualcam');
    await waitUntil(() => controller.state().virtualcam.active, 'the virtual camera to start', { everyMs: 20 });
    await page.waitForSelector('#virtualcam[aria-pressed="true"]');
    await page.click('#virtualcam');
    await waitUntil(() => !controller.state().virtualcam.active, 'the virtual camera to stop', { everyMs: 20 });
    await page.click('#pause');
    await waitUntil(() => controller.paused, 'the camera to pause', { everyMs: 20 });
    await page.click('#pause');
    await waitUntil(() => !controller.paused, 'the camera to resume', { everyMs: 20 });
  });

  it('plots fps and per-stage latency from the live metrics', async function () {
    await waitUntil(() => page.evaluate(() => /video [1-9]/.test(document.getElementById('fps-legend')!.textContent ?? '')), 'a video fps in the legend', {
      everyMs: 50,
      observe: () => page.textContent('#fps-legend'),
    });
    const stages = await page.textContent('#latency-legend');
    for (const stage of ['capture', 'matte', 'composite', 'sink', 'total']) assert.match(stages!, new RegExp(stage));
    const drawn = await page.evaluate(() => {
      const canvas = document.getElementById('fps-plot') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 2] > 200 && data[i] < 120) blue++;
      return blue;
    });
    assert.ok(drawn > 20, 'the video fps line is drawn');
  });

  it('fits a phone screen without sideways scrolling', async function () {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
      const box = await page.locator('.preview').boundingBox();
      assert.ok(box && box.width <= 390 && box.width > 300, 'the preview fills the width');
      const recolor = enabled('recolor');
      await page.click('[data-toggle="recolor"]');
      await waitUntil(() => enabled('recolor') !== recolor, 'the recolor toggle on a phone screen to change the pipeline', { everyMs: 20 });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
