/**
 * `facemat render` throughput (issue 20): a clip made here from the bundled sample (it has a face),
 * scaled to 720p and 1080p, rendered into H.264 mp4 with the default preset and with
 * --matte-only, through the real Renderer (ffmpeg decoding, the shipped model on CPU with face
 * crop and temporal filter, the GL compositor, ffmpeg encoding), and --matte-only with
 * --flip-average (two inferences a frame). Reported per case: frames/s,
 * ms per frame, where the main thread's time went, peak RSS, and the ratio of render time per
 * frame to
 * - bare inference: onnxruntime's session.run() alone at the engine's thread count, and
 * - the matte stage: the engine's run() (preprocess, inference, postprocess) on a clip frame,
 * both measured in this run.
 *
 * Beside it, the alternative a user would script by hand, timed in the same run: ffmpeg decodes
 * the clip scaled (stretched) to the model's 256x256 as raw RGB, each frame is normalised in JS
 * and run through the same model with onnxruntime-node (same threads), the alpha goes out as
 * 256x256 gray to a second ffmpeg that scales it back to the clip's size (bilinear) and encodes
 * H.264 mp4 with the same settings: one frame at a time, no face crop, no temporal filter, no
 * edge-aware upsampling, no filters. It corresponds to `render --matte-only`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { setLogLevel } from '../src/log.js';
import { DEFAULT_SAMPLE } from '../src/cli/run-options.js';
import { defaultCpuThreads, sessionOptionsFor, tensorRtCacheDir } from '../src/pipeline/matte/execution-providers.js';
import { createMatteEngine, defaultModelPath } from '../src/pipeline/matte/index.js';
import { loadModelManifest } from '../src/pipeline/matte/model-manifest.js';
import { DEFAULT_PRESET } from '../src/pipeline/filter-settings/presets.js';
import type { Frame } from '../src/pipeline/frame.js';
import { bareInference, stats } from './inference.js';
import { Renderer, type RenderOptions } from '../src/render/index.js';
import { StreamFrameReader } from '../src/util/stream-frame-reader.js';

const FRAMES = Number(process.env.BENCH_RENDER_FRAMES ?? 90);
const SIZES = [
  [1280, 720],
  [1920, 1080],
] as const;
const round = (v: number) => Math.round(v * 100) / 100;

function makeClip(dir: string, width: number, height: number): string {
  const path = join(dir, `clip-${width}x${height}.mp4`);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', DEFAULT_SAMPLE, '-frames:v', String(FRAMES), '-vf', `scale=${width}:${height}`, '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', path]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the clip: ${r.stderr}`);
  return path;
}

/** One decoded frame of the clip, RGBA. */
function clipFrame(path: string, width: number, height: number): Frame {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', 'select=eq(n\\,10)', '-frames:v', '1', '-pix_fmt', 'rgba', '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 1 << 26 });
  const rgba = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, width * height * 4);
  const frame: Frame = { seq: 0, captureMs: 0, width, height, rgba, retain: () => frame, release: () => undefined };
  return frame;
}

async function matteStage(frame: Frame, threads: number): Promise<number> {
  const engine = await createMatteEngine({ provider: 'cpu', threads });
  try {
    const samples: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      await engine.run(frame);
      if (i >= 10) samples.push(performance.now() - t);
    }
    return stats(samples).p50;
  } finally {
    await engine.close();
  }
}

/** Peak RSS while `work` runs, sampled every 100 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRssMB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakRssMB: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

async function renderCase(clip: string, output: string, matteOnly: boolean, threads: number, flipAverage = false): Promise<Record<string, unknown>> {
  const options: RenderOptions = {
    input: clip, output, png: null, preset: DEFAULT_PRESET, filters: null, matteOnly, model: null, provider: 'cpu', threads,
    faceCrop: true, temporal: true, flipAverage, crf: null, duration: null, width: 1280, height: 720, fps: 30, inputFormat: 'auto', quiet: true, verbose: false,
  };
  const renderer = await Renderer.open(options, { mode: 'quiet', stream: process.stderr });
  const started = performance.now();
  const { result, peakRssMB } = await withPeakRss(() => renderer.run());
  const wallMs = performance.now() - started;
  const perFrame = (ms: number) => round(ms / result.frames);
  return {
    frames: result.frames,
    fps: round((1000 * result.frames) / wallMs),
    msPerFrame: perFrame(wallMs),
    mainThreadMsPerFrame: {
      waitingForDecode: perFrame(result.timings.readWaitMs),
      waitingForMatte: perFrame(result.timings.matteWaitMs),
      composite: perFrame(result.timings.compositeMs),
      handToEncoder: perFrame(result.timings.writeMs),
    },
    peakRssMB,
  };
}

/** The hand-scripted pipeline described at the top. */
async function handScripted(clip: string, output: string, width: number, height: number, threads: number): Promise<Record<string, unknown>> {
  const model = await loadModelManifest(defaultModelPath());
  const { width: mw, height: mh, name, mean, std } = model.manifest.input;
  const session = await ort.InferenceSession.create(model.modelPath, sessionOptionsFor('cpu', { threads, trtCacheDir: tensorRtCacheDir() }));
  const started = performance.now();
  const { result: frames, peakRssMB } = await withPeakRss(async () => {
    const decoder = spawn('ffmpeg', ['-v', 'error', '-i', clip, '-vf', `scale=${mw}:${mh}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const encoder = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${mw}x${mh}`, '-r', '30', '-i', 'pipe:0', '-vf', `scale=${width}:${height}:flags=bilinear`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', output], { stdio: ['pipe', 'ignore', 'inherit'] });
    const reader = new StreamFrameReader(decoder.stdout, mw * mh * 3);
    const rgb = new Uint8Array(mw * mh * 3);
    const input = new Float32Array(3 * mw * mh);
    const plane = mw * mh;
    let count = 0;
    while (await reader.read(rgb)) {
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c] / 255 - mean[c]) / std[c];
      }
      const out = await session.run({ [name]: new ort.Tensor('float32', input, [1, 3, mh, mw]) });
      const alpha = out[model.alpha.name].data as Float32Array;
      const gray = Buffer.alloc(plane);
      for (let i = 0; i < plane; i++) gray[i] = Math.max(0, Math.min(255, Math.round(alpha[i] * 255)));
      if (!encoder.stdin.write(gray)) await new Promise((r) => encoder.stdin.once('drain', r));
      count++;
    }
    encoder.stdin.end();
    await new Promise((r) => encoder.once('close', r));
    return count;
  });
  await session.release();
  const wallMs = performance.now() - started;
  return { frames, fps: round((1000 * frames) / wallMs), msPerFrame: round(wallMs / frames), peakRssMB };
}

export async function run(): Promise<Record<string, unknown>> {
  setLogLevel('error');
  ort.env.logLevel = 'fatal';
  const dir = mkdtempSync(join(tmpdir(), 'facemat-bench-render-'));
  const threads = defaultCpuThreads();
  const out: Record<string, unknown> = {
    frames: FRAMES,
    clip: `${DEFAULT_SAMPLE} looped and scaled, H.264`,
    output: 'H.264 mp4 (libx264 veryfast, crf 18)',
    provider: 'cpu',
    threads,
    loadAverageAtStart: round(loadavg()[0]),
  };
  try {
    for (const [width, height] of SIZES) {
      const clip = makeClip(dir, width, height);
      const bare = (await bareInference('cpu', threads, false)).p50;
      const stage = await matteStage(clipFrame(clip, width, height), threads);
      const preset = await renderCase(clip, join(dir, 'preset.mp4'), false, threads);
      const matteOnly = await renderCase(clip, join(dir, 'matte.mp4'), true, threads);
      const flipAveraged = await renderCase(clip, join(dir, 'matte-flip.mp4'), true, threads, true);
      const hand = await handScripted(clip, join(dir, 'hand.mp4'), width, height, threads);
      const ratios = (c: Record<string, unknown>) => ({
        ratioToBareInference: round((c.msPerFrame as number) / bare),
        ratioToMatteStage: round((c.msPerFrame as number) / stage),
      });
      out[`${width}x${height}`] = {
        bareInferenceMsP50: round(bare),
        matteStageMsP50: round(stage),
        defaultPreset: { preset: DEFAULT_PRESET, ...preset, ...ratios(preset) },
        matteOnly: { ...matteOnly, ...ratios(matteOnly) },
        matteOnlyFlipAveraged: { ...flipAveraged, ...ratios(flipAveraged) },
        handScripted: { ...hand, ...ratios(hand) },
        matteOnlySpeedupOverHandScripted: round((hand.msPerFrame as number) / (matteOnly.msPerFrame as number)),
      };
    }
    out.loadAverageAtEnd = round(loadavg()[0]);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
