import assert from 'node:assert/strict';
import { request } from 'node:http';
import { FILTER_NAMES } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import { ACTIONS } from '../../src/pipeline/controller/commands.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { MemoryVirtualCamera, PASSWORD, startFixture, type ControlFixture } from './5x-control-fixture.js';
import { waitForPromise } from '../helpers/wait.js';

const enabled = (f: ControlFixture, name: string) => f.controller.chain().find((x) => x.name === name)!.enabled;

/** Reads Server-Sent Events until `until` returns true for one; resolves with all seen. */
function readEvents(url: string, until: (event: string, data: any) => boolean): { done: Promise<Array<[string, any]>>; abort: () => void } {
  const seen: Array<[string, any]> = [];
  let abort = () => {};
  const done = new Promise<Array<[string, any]>>((resolve, reject) => {
    const req = request(url, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || data === undefined) continue;
          seen.push([event, JSON.parse(data)]);
          if (until(event, JSON.parse(data))) {
            req.destroy();
            resolve(seen);
          }
        }
      });
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
    req.end();
    abort = () => req.destroy();
  });
  return { done, abort };
}

describe('HttpApi routes', function () {
  let f: ControlFixture;
  let camera: MemoryVirtualCamera;
  beforeEach(async function () {
    camera = new MemoryVirtualCamera();
    f = await startFixture({ camera });
  });
  afterEach(async function () {
    await f.close();
  });

  it('GET /api/state returns the controller state and metrics', async function () {
    const { status, json, headers } = await f.call('GET', '/api/state');
    assert.equal(status, 200);
    assert.match(headers.get('content-type')!, /^application\/json/);
    assert.equal(json.preset, 'Natural');
    assert.deepEqual(json.filters, f.controller.state().filters);
    assert.equal(json.paused, false);
    assert.equal(typeof json.metrics.videoFps, 'number');
    assert.deepEqual(Object.keys(json.metrics.latencyMs), ['capture', 'matte', 'composite', 'sink', 'total']);
  });

  it('GET /api/metrics returns pipeline and preview numbers', async function () {
    f.metrics.latency.matte.record(12);
    const { status, json } = await f.call('GET', '/api/metrics');
    assert.equal(status, 200);
    assert.equal(json.metrics.latencyMs.matte.p50, 12);
    assert.equal(json.preview.clients, 0);
    assert.match(json.preview.encoder, /libjpeg-turbo|TypeScript/);
  });

  it('GET /api/filters lists the catalogue in its order with live state and chain index', async function () {
    await f.controller.execute({ type: 'filter.move', name: 'matte', index: 0 }, 'internal');
    const { json } = await f.call('GET', '/api/filters');
    assert.deepEqual(json.filters.map((x: any) => x.name), [...FILTER_NAMES]);
    const matte = json.filters.find((x: any) => x.name === 'matte');
    assert.equal(matte.index, 0);
    assert.deepEqual(matte.params.view.options, ['alpha', 'uncertainty', 'split']);
    const one = await f.call('GET', '/api/filters/beautify');
    assert.equal(one.json.filter.enabled, true);
    assert.equal(one.json.filter.label, 'Beautify');
  });

  it('POST toggle / enable / disable change the filter in the controller', async function () {
    let r = await f.call('POST', '/api/filters/toon/toggle');
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
    assert.equal(enabled(f, 'toon'), true);
    assert.equal(r.json.state.filters.find((x: any) => x.name === 'toon').enabled, true);
    r = await f.call('POST', '/api/filters/toon/disable');
    assert.equal(enabled(f, 'toon'), false);
    r = await f.call('POST', '/api/filters/toon/enable');
    assert.equal(enabled(f, 'toon'), true);
    r = await f.call('POST', '/api/filters/toon/enable');
    assert.equal(r.status, 200, 'enabling an enabled filter is not an error (stream deck buttons repeat)');
  });

  it('PUT settings merges validated settings; GET settings reads them', async function () {
    const r = await f.call('PUT', '/api/filters/beautify/settings', { body: JSON.stringify({ strength: 0.25 }) });
    assert.equal(r.status, 200);
    assert.deepEqual(f.controller.chain().find((x) => x.name === 'beautify')!.settings, { strength: 0.25, radius: 4 });
    await f.call('PUT', '/api/filters/recolor/settings', { body: '{"tint":"#00FF00"}' });
    const got = await f.call('GET', '/api/filters/recolor/settings');
    assert.equal(got.json.settings.tint, '#00ff00');
  });

  it('POST move reorders the chain', async function () {
    const r = await f.call('POST', '/api/filters/sketch/move', { body: '{"index": 0}' });
    assert.equal(r.status, 200);
    assert.equal(f.controller.chain()[0].name, 'sketch');
  });

  it('presets: list, select by name (URL-encoded), next and previous', async function () {
    const list = await f.call('GET', '/api/presets');
    assert.deepEqual(list.json.presets.map((p: any) => p.name), PRESETS.map((p) => p.name));
    assert.equal(list.json.current, 'Natural');
    await f.call('POST', '/api/presets/Privacy');
    assert.equal(f.controller.state().preset, 'Privacy');
    assert.equal(enabled(f, 'anonymize'), true);
    await f.call('POST', '/api/presets/next');
    assert.equal(f.controller.state().preset, 'Off');
    await f.call('POST', '/api/presets/previous');
    await f.call('POST', '/api/presets/previous');
    assert.equal(f.controller.state().preset, 'Cartoon');
    await f.call('POST', '/api/presets/' + encodeURIComponent('Natural'));
    assert.equal(f.controller.state().preset, 'Natural');
  });

  it('camera pause / resume / toggle', async function () {
    await f.call('POST', '/api/camera/pause');
    assert.equal(f.controller.paused, true);
    await f.call('POST', '/api/camera/pause');
    assert.equal(f.controller.paused, true, 'pause is idempotent');
    await f.call('POST', '/api/camera/resume');
    assert.equal(f.controller.paused, false);
    await f.call('POST', '/api/camera/toggle');
    assert.equal(f.controller.paused, true);
  });

  it('virtual camera start / stop / toggle', async function () {
    let r = await f.call('POST', '/api/virtualcam/start');
    assert.equal(r.status, 200);
    assert.equal(camera.active, true);
    assert.equal(r.json.state.virtualcam.active, true);
    await f.call('POST', '/api/virtualcam/toggle');
    assert.equal(camera.active, false);
    r = await f.call('POST', '/api/virtualcam/toggle');
    assert.equal(camera.active, true);
    await f.call('POST', '/api/virtualcam/stop');
    assert.equal(camera.active, false);
  });

  it('actions: lists ACTIONS and runs any of them by name', async function () {
    const list = await f.call('GET', '/api/actions');
    assert.deepEqual(list.json.actions, Object.keys(ACTIONS));
    await f.call('POST', '/api/actions/toggle:matte');
    assert.equal(enabled(f, 'matte'), true);
    await f.call('POST', '/api/actions/preset:next');
    assert.equal(f.controller.state().preset, 'Cartoon');
    await f.call('POST', '/api/actions/camera:pause');
    assert.equal(f.controller.paused, true);
  });

  it('accepts ?key= instead of the header', async function () {
    const r = await f.call('POST', `/api/filters/sketch/toggle?key=${encodeURIComponent(PASSWORD)}`, { auth: false });
    assert.equal(r.status, 200);
    assert.equal(enabled(f, 'sketch'), true);
  });

  it('GET /api/events streams the state at once and on every change, from any origin', async function () {
    let changed = false;
    const events = readEvents(`${f.base}/api/events?key=${encodeURIComponent(PASSWORD)}`, (event, data) => {
      if (event === 'state' && !changed) {
        changed = true;
        // A change made elsewhere (a hotkey) must reach the panel.
        void f.controller.execute({ type: 'filter.toggle', name: 'facepaint' }, 'hotkey');
        return false;
      }
      return event === 'state' && data.origin === 'hotkey';
    });
    const seen = await waitForPromise(events.done, 'the awaited event on the event stream');
    const states = seen.filter(([e]) => e === 'state');
    assert.equal(states[0][1].state.filters.find((x: any) => x.name === 'facepaint').enabled, false);
    const last = states[states.length - 1][1];
    assert.equal(last.origin, 'hotkey');
    assert.equal(last.state.filters.find((x: any) => x.name === 'facepaint').enabled, true);
    assert.ok(seen.some(([e]) => e === 'metrics'), 'metrics go out too');
  });
});
