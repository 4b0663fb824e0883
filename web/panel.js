// facemat-cam web control panel. Plain browser JavaScript, no build step, no external code.
// Everything it does goes through the HTTP API (the same commands as hotkeys and obs-websocket);
// it follows changes made elsewhere through the /api/events Server-Sent Events stream.
'use strict';

(() => {
  const KEY_STORAGE = 'facemat-key';
  const HISTORY = 60; // points in the plots, one per metrics event (1 s)
  const STAGE_COLORS = { capture: '#8e9bff', matte: '#ff8a5b', composite: '#55d6be', sink: '#f5d04a', total: '#ffffff' };
  const FPS_COLORS = { video: '#3d7bff', matte: '#ff8a5b' };
  const DEBUG_VIEWS = ['off', 'alpha', 'uncertainty', 'split'];

  const $ = (id) => document.getElementById(id);
  let key = '';
  let catalogue = []; // from GET /api/filters: name, label, description, params
  let state = null; // latest PipelineState
  let events = null;
  const series = { video: [], matte: [], stages: {} };
  const editing = new Set(); // "filter.param" being dragged: do not overwrite from events

  // --- password --------------------------------------------------------------------------
  function takeKeyFromUrl() {
    const params = new URLSearchParams(location.search);
    const fromUrl = params.get('key');
    if (fromUrl) {
      sessionStorage.setItem(KEY_STORAGE, fromUrl);
      params.delete('key');
      const rest = params.toString();
      window.history.replaceState(null, '', location.pathname + (rest ? '?' + rest : ''));
    }
    return sessionStorage.getItem(KEY_STORAGE) || '';
  }

  function showLogin(message) {
    $('panel').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('password').focus();
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    key = $('password').value.trim();
    sessionStorage.setItem(KEY_STORAGE, key);
    start();
  });

  // --- API -------------------------------------------------------------------------------
  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { Authorization: 'Bearer ' + key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      showLogin('Wrong password.');
      throw new Error('unauthorized');
    }
    if (!res.ok) {
      toast(data.error ? data.error.message : `${method} ${path} failed (${res.status})`);
      throw new Error(data.error ? data.error.code : String(res.status));
    }
    if (data.state) render(data.state);
    return data;
  }

  const send = (method, path, body) => api(method, path, body).catch(() => {});

  let toastTimer;
  function toast(message) {
    const el = $('toast');
    el.textContent = message;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (el.hidden = true), 4000);
  }

  // --- building the page from the filter catalogue ----------------------------------------
  function buildFilters() {
    const box = $('filters');
    box.textContent = '';
    catalogue.forEach((f, i) => {
      const card = el('div', { class: 'filter', 'data-filter': f.name, 'data-enabled': 'false' });
      const head = el('div', { class: 'filter-head' });
      const sw = el('label', { class: 'switch', title: `Toggle ${f.label} (${i + 1})` });
      const box2 = el('input', { type: 'checkbox', 'data-toggle': f.name, 'aria-label': `Enable ${f.label}` });
      box2.addEventListener('change', () => send('POST', `/api/filters/${f.name}/${box2.checked ? 'enable' : 'disable'}`));
      sw.append(box2, el('span'));
      const title = el('div', { class: 'filter-title' });
      title.append(el('strong', {}, f.label), el('small', {}, f.description));
      head.append(sw, title, el('span', { class: 'filter-key' }, i < 9 ? `key ${i + 1}` : ''));
      card.append(head);
      const params = el('div', { class: 'params' });
      for (const [name, spec] of Object.entries(f.params)) params.append(...paramControl(f.name, name, spec));
      card.append(params);
      box.append(card);
    });
  }

  function paramControl(filter, name, spec) {
    const id = `p-${filter}-${name}`;
    const label = el('label', { for: id, title: spec.description }, name);
    const settingKey = `${filter}.${name}`;
    const put = (value) => send('PUT', `/api/filters/${filter}/settings`, { [name]: value });
    if (spec.type === 'number') {
      const input = el('input', { id, type: 'range', min: spec.min, max: spec.max, step: spec.step, 'data-setting': settingKey });
      const out = el('output', { for: id });
      let timer = null;
      input.addEventListener('pointerdown', () => editing.add(settingKey));
      input.addEventListener('input', () => {
        out.textContent = fmt(Number(input.value));
        // At most ten updates a second while dragging; the final value goes on 'change'.
        if (!timer) timer = setTimeout(() => { timer = null; put(Number(input.value)); }, 100);
      });
      input.addEventListener('change', () => {
        editing.delete(settingKey);
        put(Number(input.value));
      });
      return [label, input, out];
    }
    if (spec.type === 'enum') {
      const select = el('select', { id, class: 'wide', 'data-setting': settingKey });
      for (const option of spec.options) select.append(el('option', { value: option }, option));
      select.addEventListener('change', () => put(select.value));
      return [label, select];
    }
    if (spec.type === 'color') {
      const input = el('input', { id, type: 'color', 'data-setting': settingKey });
      input.addEventListener('change', () => put(input.value));
      return [label, input, el('span')];
    }
    const input = el('input', { id, type: 'text', class: 'wide', placeholder: spec.description, 'data-setting': settingKey });
    input.addEventListener('focus', () => editing.add(settingKey));
    input.addEventListener('blur', () => editing.delete(settingKey));
    input.addEventListener('change', () => put(input.value));
    return [label, input];
  }

  function buildPresets(names) {
    const box = $('presets');
    box.textContent = '';
    for (const name of names) {
      const b = el('button', { type: 'button', 'data-preset': name, 'aria-pressed': 'false' }, name);
      b.addEventListener('click', () => send('POST', `/api/presets/${encodeURIComponent(name)}`));
      box.append(b);
    }
  }

  // --- rendering state -------------------------------------------------------------------
  function render(next) {
    state = next;
    const matteNow = next.filters.find((f) => f.name === 'matte');
    if (requestedView === (matteNow && matteNow.enabled ? matteNow.settings.view : 'off')) requestedView = null;
    const chainIndex = new Map(next.filters.map((f, i) => [f.name, i]));
    for (const f of next.filters) {
      const card = document.querySelector(`.filter[data-filter="${f.name}"]`);
      if (!card) continue;
      card.dataset.enabled = String(f.enabled);
      card.style.order = String(chainIndex.get(f.name));
      card.querySelector('[data-toggle]').checked = f.enabled;
      for (const [name, value] of Object.entries(f.settings)) {
        const settingKey = `${f.name}.${name}`;
        const input = card.querySelector(`[data-setting="${settingKey}"]`);
        if (!input || editing.has(settingKey) || document.activeElement === input) continue;
        input.value = String(value);
        const out = input.nextElementSibling;
        if (out && out.tagName === 'OUTPUT') out.textContent = fmt(Number(value));
      }
    }
    for (const b of document.querySelectorAll('[data-preset]')) b.setAttribute('aria-pressed', String(b.dataset.preset === next.preset));
    $('pause').setAttribute('aria-pressed', String(next.paused));
    $('pause').textContent = next.paused ? 'Resume' : 'Pause';
    $('paused-overlay').hidden = !next.paused;
    const vc = $('virtualcam');
    vc.disabled = !next.virtualcam.available;
    vc.title = next.virtualcam.available ? `Virtual camera ${next.virtualcam.detail} (v)` : `Virtual camera unavailable: ${next.virtualcam.detail}`;
    vc.setAttribute('aria-pressed', String(next.virtualcam.active));
    const matte = next.filters.find((f) => f.name === 'matte');
    const view = matte && matte.enabled ? matte.settings.view : 'off';
    for (const b of document.querySelectorAll('[data-view]')) b.setAttribute('aria-checked', String(b.dataset.view === view));
    const info = next.info;
    $('info').innerHTML = '';
    const facts = [
      ['source', info.source],
      ['output', info.format.width ? `${info.format.width}x${info.format.height} @ ${info.format.fps} fps` : 'n/a'],
      ['model', info.model],
      ['runs on', info.provider],
      ['sinks', info.sinks.join(', ') || 'none'],
    ];
    for (const [k, v] of facts) {
      const s = el('span', {}, k + ' ');
      s.append(el('b', {}, String(v)));
      $('info').append(s);
    }
  }

  // --- plots -----------------------------------------------------------------------------
  function pushMetrics(m) {
    if (!m) return;
    push(series.video, m.videoFps);
    push(series.matte, m.matteFps);
    for (const stage of Object.keys(STAGE_COLORS)) {
      series.stages[stage] = series.stages[stage] || [];
      push(series.stages[stage], m.latencyMs[stage] ? m.latencyMs[stage].p50 : 0);
    }
    plot($('fps-plot'), [
      { values: series.video, color: FPS_COLORS.video },
      { values: series.matte, color: FPS_COLORS.matte },
    ]);
    plot($('latency-plot'), Object.entries(STAGE_COLORS).map(([s, color]) => ({ values: series.stages[s], color })));
    legend($('fps-legend'), [['video ' + fmt(m.videoFps), FPS_COLORS.video], ['matte ' + fmt(m.matteFps), FPS_COLORS.matte]]);
    legend($('latency-legend'), Object.entries(STAGE_COLORS).map(([s, c]) => [`${s} ${fmt(m.latencyMs[s] ? m.latencyMs[s].p50 : 0)}`, c]));
  }

  function push(list, v) {
    list.push(Number.isFinite(v) ? v : 0);
    if (list.length > HISTORY) list.shift();
  }

  function plot(canvas, series) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || canvas.width;
    const h = Math.round(w / (canvas.width / canvas.height));
    if (canvas.width !== Math.round(w * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
    const left = 34;
    const bottom = h - 6;
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#9aa1ae';
    ctx.strokeStyle = '#2c313c';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = 8 + ((bottom - 8) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(left, y + 0.5);
      ctx.lineTo(w - 6, y + 0.5);
      ctx.stroke();
      ctx.fillText(fmt(max * (1 - i / 4)), 4, y + 4);
    }
    for (const s of series) {
      if (s.values.length < 2) continue;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        // The line grows from the left until a full minute of history fills the width.
        const x = left + ((w - 6 - left) * i) / (s.values.length - 1);
        const y = bottom - ((bottom - 8) * v) / max;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  }

  function niceMax(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function legend(box, items) {
    box.textContent = '';
    for (const [text, color] of items) {
      const s = el('span', {}, text);
      s.style.setProperty('--c', color);
      box.append(s);
    }
  }

  // --- live connection -------------------------------------------------------------------
  function connectEvents() {
    if (events) events.close();
    events = new EventSource('/api/events?key=' + encodeURIComponent(key));
    const status = $('connection');
    events.addEventListener('open', () => { status.dataset.state = 'live'; status.textContent = 'live'; });
    events.addEventListener('error', () => { status.dataset.state = 'offline'; status.textContent = 'reconnecting'; });
    events.addEventListener('state', (e) => render(JSON.parse(e.data).state));
    events.addEventListener('metrics', (e) => pushMetrics(JSON.parse(e.data).metrics));
  }

  function connectPreview() {
    const img = $('preview');
    img.onerror = () => setTimeout(connectPreview, 2000);
    img.src = '/preview.mjpeg?key=' + encodeURIComponent(key) + '&t=' + Date.now();
  }

  // --- controls and keyboard -------------------------------------------------------------
  $('pause').addEventListener('click', () => send('POST', state && state.paused ? '/api/camera/resume' : '/api/camera/pause'));
  $('virtualcam').addEventListener('click', () => send('POST', '/api/virtualcam/toggle'));
  for (const b of document.querySelectorAll('[data-view]')) b.addEventListener('click', () => setDebugView(b.dataset.view));

  async function setDebugView(view) {
    if (view === 'off') return send('POST', '/api/filters/matte/disable');
    await send('PUT', '/api/filters/matte/settings', { view });
    return send('POST', '/api/filters/matte/enable');
  }

  // The view last asked for with the m key, until the server's state shows it: pressing m again
  // before the update arrives must move on from that view, not from the stale one.
  let requestedView = null;
  let requestedAt = 0;

  function cycleDebugView() {
    const matte = state && state.filters.find((f) => f.name === 'matte');
    const shown = matte && matte.enabled ? matte.settings.view : 'off';
    const current = requestedView && Date.now() - requestedAt < 2000 ? requestedView : shown;
    requestedView = DEBUG_VIEWS[(DEBUG_VIEWS.indexOf(current) + 1) % DEBUG_VIEWS.length];
    requestedAt = Date.now();
    setDebugView(requestedView);
  }

  document.addEventListener('keydown', (e) => {
    if (!state || e.ctrlKey || e.altKey || e.metaKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    const digit = Number(e.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= catalogue.length) {
      send('POST', `/api/filters/${catalogue[digit - 1].name}/toggle`);
    } else if (e.key === 'n') send('POST', '/api/presets/next');
    else if (e.key === 'p') send('POST', '/api/presets/previous');
    else if (e.key === ' ') send('POST', '/api/camera/toggle');
    else if (e.key === 'm') cycleDebugView();
    else if (e.key === 'v' && state.virtualcam.available) send('POST', '/api/virtualcam/toggle');
    else return;
    e.preventDefault();
  });

  // --- start -----------------------------------------------------------------------------
  async function start() {
    if (!key) return showLogin('');
    try {
      const [filters, st] = await Promise.all([api('GET', '/api/filters'), api('GET', '/api/state')]);
      // Catalogue order, so keys 1-7 never move when the chain is reordered.
      catalogue = filters.filters;
      buildFilters();
      buildPresets(st.presets);
      render(st);
      pushMetrics(st.metrics);
    } catch (err) {
      if (err.message !== 'unauthorized') showLogin('Cannot reach facemat-cam: ' + err.message);
      return;
    }
    $('login').hidden = true;
    $('panel').hidden = false;
    connectEvents();
    connectPreview();
  }

  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(v) {
    if (!Number.isFinite(v)) return '-';
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0';
  }

  key = takeKeyFromUrl();
  start();
})();
