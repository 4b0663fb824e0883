/**
 * Control-plane costs: what the live preview costs the pipeline per frame (downscale + JPEG,
 * libjpeg-turbo in the addon), and how fast the HTTP API and the
 * Server-Sent Events stream answer. Frames are from the sample clip, so JPEG sizes are real.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { packageRoot } from '../src/config/paths.js';
import { startControlServer } from '../src/http/control-server.js';
import { downscaleRgba } from '../src/pipeline/sink/frame-downscale.js';
import { loadJpegEncoder, type JpegEncoder } from '../src/pipeline/sink/jpeg-encoder.js';
import { MjpegStream } from '../src/pipeline/sink/mjpeg-stream.js';
import { setLogSink } from '../src/log.js';
import { PipelineController } from '../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../src/pipeline/filter-settings/presets.js';
import { nowMs } from '../src/pipeline/frame.js';
import { percentile } from '../src/pipeline/scheduler/metrics.js';

const WIDTH = 1280;
const HEIGHT = 720;

function sampleFrame(): Uint8Array {
  const clip = join(packageRoot(), 'assets', 'sample', 'sample.mp4');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', '1', '-i', clip, '-frames:v', '1', '-vf', `scale=${WIDTH}:${HEIGHT}`, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], {
    maxBuffer: WIDTH * HEIGHT * 4 + 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

function summary(samples: number[]): { p50: number; p99: number; mean: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length), n: sorted.length };
}

function time(n: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = nowMs();
    fn();
    out.push(nowMs() - t);
  }
  return out;
}

/** The pipeline-thread cost of offering one 720p frame to a preview with one watching client. */
async function offerCost(encoder: JpegEncoder, rgba: Uint8Array, n: number) {
  const stream = new MjpegStream({ encoder, maxFps: Infinity });
  // A client that takes everything: a real response object on a real socket.
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => stream.addClient(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client = request({ host: '127.0.0.1', port, path: '/' }, (res) => res.resume());
  client.end();
  while (!stream.hasConsumers()) await new Promise((r) => setTimeout(r, 5));
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = nowMs();
    stream.offer({ seq: i, captureMs: t, width: WIDTH, height: HEIGHT, rgba });
    samples.push(nowMs() - t);
    await new Promise((r) => setImmediate(r));
  }
  stream.close();
  client.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return summary(samples);
}

async function apiLatency(n: number) {
  const controller = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
  const server = await startControlServer({ controller, host: '127.0.0.1', port: 0, password: 'bench' });
  const url = `${server.address.url}api/filters/toon/toggle`;
  const toggle: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = nowMs();
    const res = await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer bench' } });
    await res.arrayBuffer();
    toggle.push(nowMs() - t);
  }
  // Change -> Server-Sent Event delivered to a listening client (what keeps the panel in sync).
  const sse: number[] = [];
  let pending: { sketch: boolean; resolve: (t: number) => void } | null = null;
  let connected: () => void = () => {};
  const ready = new Promise<void>((r) => (connected = r));
  const events = request(`${server.address.url}api/events?key=bench`, (res) => {
    let buffer = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      const at = nowMs();
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        connected();
        // Only the event of the change being timed counts (not the initial state, not metrics).
        const data = /^event: state\ndata: (.*)$/m.exec(block)?.[1];
        if (!data || !pending) continue;
        const event = JSON.parse(data) as { origin: string; state: { filters: Array<{ name: string; enabled: boolean }> } };
        const sketch = event.state.filters.find((f) => f.name === 'sketch')!.enabled;
        if (event.origin === 'hotkey' && sketch === pending.sketch) pending.resolve(at);
      }
    });
  });
  events.end();
  await ready; // changes made before the stream is open are not sent on it
  for (let i = 0; i < n; i++) {
    const sketch = !controller.chain().find((f) => f.name === 'sketch')!.enabled;
    const received = new Promise<number>((resolve) => (pending = { sketch, resolve }));
    const t = nowMs();
    await controller.execute({ type: 'filter.toggle', name: 'sketch' }, 'hotkey');
    sse.push((await received) - t);
    pending = null;
  }
  events.destroy();
  await server.close();
  return { httpToggleRoundTripMs: summary(toggle), changeToSseEventMs: summary(sse) };
}

export async function run(): Promise<Record<string, unknown>> {
  const restore = setLogSink(() => {});
  try {
    const rgba = sampleFrame();
    const small = downscaleRgba({ width: WIDTH, height: HEIGHT, rgba }, 640);
    const encoder = loadJpegEncoder();
    const result: Record<string, unknown> = {
      frame: `${WIDTH}x${HEIGHT} sample clip -> ${small.width}x${small.height} preview, JPEG quality 70`,
      downscaleMs: summary(time(30, () => downscaleRgba({ width: WIDTH, height: HEIGHT, rgba }, 640, small.rgba))),
      jpegEncodeMs: summary(time(30, () => encoder.encode(small.rgba, small.width, small.height, 70))),
      jpegBytes: encoder.encode(small.rgba, small.width, small.height, 70).length,
      previewOfferMsPerFrame: await offerCost(encoder, rgba, 30),
      encoder: encoder.detail,
      ...(await apiLatency(100)),
    };
    return result;
  } finally {
    setLogSink(restore);
  }
}
