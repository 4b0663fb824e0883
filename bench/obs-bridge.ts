/**
 * How late and how costly our camera is inside a real OBS, per stream format OBS's ffmpeg_source
 * could read from us (docs/obs-bridge.md explains the choice):
 *   raw-rgba   our NetworkStreamSink: raw RGBA frames over TCP, no encoder (what the bridge uses)
 *   mpegts-h264  ffmpeg child: libx264 -preset ultrafast -tune zerolatency, MPEG-TS over TCP
 *   mjpeg      ffmpeg child: MJPEG (-q:v 5) over TCP
 * Each frame carries its number as 16 black/white blocks; GetSourceScreenshot reads back which
 * frame OBS shows, and its age when the screenshot arrives is the latency sample (an upper bound:
 * it includes the screenshot's own round trip). CPU is user+system time of our process, the
 * encoder and OBS over the sampling window, in % of one core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type OBSWebSocket from 'obs-websocket-js/json';
import { randomBytes } from 'node:crypto';
import { nowMs } from '../src/pipeline/frame.js';
import { NetworkStreamSink } from '../src/pipeline/sink/network-stream-sink.js';
import { RealObs, Xvfb, freePort, screenshot } from '../test/obs/bridge-helpers/real-obs.js';
import { sleep, waitUntil } from '../test/helpers/wait.js';

const FPS = 30;
const SIZES = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
];
const SAMPLES = 20;
/** Stamp blocks are 32 px so they survive the screenshot's 1/4 scale and lossy codecs. */
const BLOCK = 32;
const SHOT_SCALE = 4;
const INPUT = 'bench stream';

interface Variant {
  name: string;
  /** Starts serving; returns OBS input settings, a frame writer and a stopper. */
  start(width: number, height: number): Promise<{ settings: Record<string, unknown>; write(rgba: Uint8Array): void; stop(): Promise<void>; pid: number | null }>;
}

const RAW: Variant = {
  name: 'raw-rgba',
  async start(width, height) {
    const sink = new NetworkStreamSink();
    await sink.open({ width, height, fps: FPS });
    const options = Object.entries(sink.ffmpegInputOptions()).map(([k, v]) => `${k}=${v}`).join(' ');
    let seq = 0;
    return {
      settings: { is_local_file: false, input: sink.url, input_format: 'rawvideo', ffmpeg_options: options, reconnect_delay_sec: 1 },
      write: (rgba) => void sink.write({ seq: seq++, captureMs: nowMs(), width, height, rgba }),
      stop: () => sink.close(),
      pid: null,
    };
  },
};

function encoderVariant(name: string, codecArgs: string[], format: string, obsOptions: Record<string, unknown>): Variant {
  return {
    name,
    async start(width, height) {
      const port = await freePort();
      const child = spawn(
        'ffmpeg',
        ['-v', 'error', '-f', 'rawvideo', '-pixel_format', 'rgba', '-video_size', `${width}x${height}`, '-framerate', String(FPS), '-i', '-', ...codecArgs, '-f', format, `tcp://127.0.0.1:${port}?listen=1`],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      );
      child.stdin!.on('error', () => {});
      return {
        settings: { is_local_file: false, input: `tcp://127.0.0.1:${port}`, reconnect_delay_sec: 1, ...obsOptions },
        // Drop frames the encoder is not ready for, as the pipeline's sinks do.
        write: (rgba) => {
          if (child.stdin!.writableLength === 0) child.stdin!.write(Buffer.from(rgba));
        },
        stop: () => stopChild(child),
        pid: child.pid ?? null,
      };
    },
  };
}

const VARIANTS: Variant[] = [
  RAW,
  // Each encoder gets the reader options that make it play soonest: no demuxer buffering for
  // MPEG-TS; the true frame rate for MJPEG, whose raw stream has no timestamps (at the
  // demuxer's default 25 fps OBS would fall further behind every second).
  encoderVariant(
    'mpegts-h264',
    ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(FPS), '-pix_fmt', 'yuv420p'],
    'mpegts',
    { ffmpeg_options: 'fflags=nobuffer' },
  ),
  encoderVariant('mjpeg', ['-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p'], 'mjpeg', {
    input_format: 'mjpeg',
    ffmpeg_options: `framerate=${FPS}`,
  }),
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN);
}

function max(values: number[]): number {
  return Math.round(Math.max(...values));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** user+system clock ticks of a process (Linux /proc). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function stamp(rgba: Uint8Array, width: number, n: number): void {
  for (let bit = 0; bit < 16; bit++) {
    const v = (n >> bit) & 1 ? 255 : 0;
    for (let y = 0; y < BLOCK; y++) {
      for (let x = bit * BLOCK; x < (bit + 1) * BLOCK; x++) {
        const o = (y * width + x) * 4;
        rgba[o] = rgba[o + 1] = rgba[o + 2] = v;
      }
    }
  }
}

/** The frame number OBS shows; a small screenshot keeps its own cost (PNG encoding) low. */
async function readStamp(obs: OBSWebSocket, width: number, height: number): Promise<number> {
  const shot = await screenshot(obs, INPUT, width / SHOT_SCALE, height / SHOT_SCALE);
  const block = BLOCK / SHOT_SCALE;
  let n = 0;
  for (let bit = 0; bit < 16; bit++) if (shot.pixel(bit * block + block / 2, block / 2)[0] > 128) n |= 1 << bit;
  return n;
}

async function measure(obs: OBSWebSocket, obsPid: number, variant: Variant, width: number, height: number): Promise<Record<string, unknown>> {
  const server = await variant.start(width, height);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]] = [90, 120, 160, 255];
  const sentAt = new Map<number, number>();
  let n = 0;
  const producer = setInterval(() => {
    stamp(rgba, width, n & 0xffff);
    sentAt.set(n & 0xffff, nowMs());
    server.write(rgba);
    n++;
  }, 1000 / FPS);
  const { currentProgramSceneName } = await obs.call('GetCurrentProgramScene');
  await obs.call('CreateInput', { sceneName: currentProgramSceneName, inputName: INPUT, inputKind: 'ffmpeg_source', inputSettings: server.settings as never });
  try {
    await waitUntil(async () => sentAt.has(await readStamp(obs, width, height)), `${variant.name} to play in OBS`, { timeoutMs: 60_000, everyMs: 500, retryErrors: true });
    await sleep(2_000);
    const ticksPerSecond = 100;
    const ourCpu0 = process.cpuUsage();
    const obsTicks0 = cpuTicks(obsPid);
    const encTicks0 = server.pid ? cpuTicks(server.pid) : 0;
    const t0 = nowMs();
    // OBS renders the screenshot somewhere between request and reply: the frame's age at the
    // request is a lower bound of the latency, at the reply an upper bound.
    const atRequest: number[] = [];
    const atReply: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const asked = nowMs();
      const shown = await readStamp(obs, width, height);
      const at = sentAt.get(shown);
      if (at !== undefined) {
        atRequest.push(asked - at);
        atReply.push(nowMs() - at);
      }
      await sleep(150);
    }
    const seconds = (nowMs() - t0) / 1000;
    const ourCpu = process.cpuUsage(ourCpu0);
    const pct = (ticks: number) => Math.round((ticks / ticksPerSecond / seconds) * 100);
    return {
      format: variant.name,
      size: `${width}x${height}@${FPS}`,
      latencyMs: { p50: [median(atRequest), median(atReply)], max: [max(atRequest), max(atReply)], samples: atReply.length },
      cpuPercentOfOneCore: {
        // The producer loop and screenshots are in our process too: compare variants, not absolutes.
        facemat: Math.round(((ourCpu.user + ourCpu.system) / 1e6 / seconds) * 100),
        encoder: server.pid ? pct(cpuTicks(server.pid) - encTicks0) : 0,
        obs: pct(cpuTicks(obsPid) - obsTicks0),
      },
    };
  } finally {
    clearInterval(producer);
    await obs.call('RemoveInput', { inputName: INPUT }).catch(() => {});
    await sleep(300);
    await server.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const xvfb = await Xvfb.start();
  const password = randomBytes(9).toString('base64url');
  const obsProcess = new RealObs({ display: xvfb.display, port: await freePort(), password });
  try {
    await obsProcess.start();
    const obs = await obsProcess.client();
    const obsPid = obsProcess.pid!;
    const results = [];
    for (const size of SIZES) {
      for (const variant of VARIANTS) {
        process.stderr.write(`bench obs-bridge: ${variant.name} ${size.width}x${size.height}\n`);
        results.push(await measure(obs, obsPid, variant, size.width, size.height));
      }
    }
    await obs.disconnect();
    return {
      note: 'latencyMs: [lower, upper] bound of the age of the frame OBS shows: at the screenshot request and at its reply',
      results,
    };
  } finally {
    await obsProcess.remove();
    await xvfb.stop();
  }
}

// Allow `npx tsx bench/obs-bridge.ts` on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    (r) => process.stdout.write(JSON.stringify(r, null, 1) + '\n'),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = 1;
    },
  );
}
