/**
 * The matting stage on CPU (onnxruntime-node, the shipped model):
 * - bare inference: `session.run()` in this thread at the model's input size, with the engine's
 *   CPU session options, at 1 and 2 intra-op threads (and 2 threads with spinning threads, the
 *   onnxruntime default the engine turns off, for reference);
 * - the whole stage at 1280x720: OnnxMatteEngine.run() with face crop and temporal filter, i.e.
 *   preprocessing (resize + normalise into the shared tensor), inference in the worker thread and
 *   postprocessing (alpha, uncertainty, temporal filter, face box), at 2 threads and at the
 *   engine's default thread count for this machine;
 * - the resize alone (720p frame, letterboxed, to the model input): native addon vs TypeScript;
 * - bare inference on the GPU when TensorRT or CUDA loads (with the card's name from nvidia-smi),
 *   else why not: the same file is the GPU latency script on a machine with an NVIDIA GPU.
 *
 * Reported: p50/p99/mean ms. The machine is shared: the load average at the start is included;
 * compare figures within one run. Target (issues #4, #5): bare inference of the shipped student at its
 * input size <= 12 ms p50 on 2 threads; the whole 720p stage is reported beside it.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { nativeStatus, resizeToTensor as nativeResize } from '../src/native/index.js';
import type { Frame } from '../src/pipeline/frame.js';
import { type ProviderName, defaultCpuThreads, sessionOptionsFor, tensorRtCacheDir } from '../src/pipeline/matte/execution-providers.js';
import { fullFrameRoi } from '../src/pipeline/matte/face-crop.js';
import { createMatteEngine, defaultModelPath } from '../src/pipeline/matte/index.js';
import { loadModelManifest } from '../src/pipeline/matte/model-manifest.js';
import type { OnnxMatteEngine } from '../src/pipeline/matte/onnx-matte-engine.js';
import { TensorResizer } from '../src/pipeline/matte/resize-to-tensor.js';
import { setLogLevel } from '../src/log.js';

const WARMUP = 10;
const RUNS = 100;
const FRAME = { width: 1280, height: 720 };
const TARGET_P50_MS = 12;

interface Stats {
  p50: number;
  p99: number;
  mean: number;
  runs: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (v: number) => Math.round(v * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length), runs: sorted.length };
}

/** A webcam-like 720p picture: gradient, a skin-toned face ellipse, noise that differs per frame. */
function syntheticFrames(count: number): Frame[] {
  return Array.from({ length: count }, (_, f) => {
    const { width, height } = FRAME;
    const rgba = new Uint8Array(width * height * 4);
    let seed = 1234 + f;
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const noise = (seed >>> 28) - 8;
        const face = ((x - 640) / 160) ** 2 + ((y - 360) / 215) ** 2 <= 1;
        rgba[i] = (face ? 224 : 40 + y / 6) + noise;
        rgba[i + 1] = (face ? 172 : 60 + y / 7) + noise;
        rgba[i + 2] = (face ? 140 : 90 + y / 12) + noise;
        rgba[i + 3] = 255;
      }
    }
    const frame: Frame = { seq: f, captureMs: 0, width, height, rgba, retain: () => frame, release: () => undefined };
    return frame;
  });
}

/** onnxruntime's session.run() alone, in this thread, at the model's input size. */
export async function bareInference(provider: ProviderName, threads: number, spinning: boolean): Promise<Stats> {
  const model = await loadModelManifest(defaultModelPath());
  const { width, height, name } = model.manifest.input;
  const options = sessionOptionsFor(provider, { threads, trtCacheDir: tensorRtCacheDir() });
  if (spinning) options.extra = {};
  const session = await ort.InferenceSession.create(model.modelPath, options);
  try {
    const input = new Float32Array(3 * width * height);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i) * 0.8;
    const feeds = { [name]: new ort.Tensor('float32', input, [1, 3, height, width]) };
    const fetches = Object.fromEntries(
      [model.alpha, ...(model.logVariance ? [model.logVariance] : [])].map((o) => [o.name, new ort.Tensor('float32', new Float32Array(width * height), [1, 1, height, width])]),
    );
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      await session.run(feeds, fetches);
      if (i >= WARMUP) samples.push(performance.now() - t0);
    }
    return stats(samples);
  } finally {
    await session.release();
  }
}

/** The GPU's name as the NVIDIA driver reports it, or why there is none. */
function gpuName(): string {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10000 }).trim();
  } catch (err) {
    return `no NVIDIA GPU visible (nvidia-smi: ${(err as Error).message.split('\n')[0]})`;
  }
}

/** Bare inference on the first GPU provider that loads (timings include host<->device copies). */
async function gpuInference(): Promise<Record<string, unknown>> {
  const skipped: Record<string, string> = {};
  for (const provider of ['tensorrt', 'cuda'] as const) {
    try {
      return { provider, card: gpuName(), ...(await bareInference(provider, 1, false)) };
    } catch (err) {
      skipped[provider] = (err as Error).message.replace(/\s+/g, ' ');
    }
  }
  return { provider: 'none', card: gpuName(), skipped };
}

async function wholeStage(threads: number): Promise<Record<string, unknown>> {
  const engine = (await createMatteEngine({ provider: 'cpu', threads, faceCrop: true, temporal: true })) as OnnxMatteEngine;
  try {
    const frames = syntheticFrames(4);
    const total: number[] = [];
    const pre: number[] = [];
    const infer: number[] = [];
    const post: number[] = [];
    let cropped = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const matte = await engine.run(frames[i % frames.length]);
      if (i < WARMUP) continue;
      const t = engine.lastTimings;
      total.push(t.totalMs);
      pre.push(t.preprocessMs);
      infer.push(t.inferenceMs);
      post.push(t.postprocessMs);
      if (matte.roi.width < FRAME.width) cropped++;
    }
    return {
      threads,
      description: engine.description,
      preprocessing: engine.preprocessing,
      total: stats(total),
      preprocessP50: stats(pre).p50,
      inferenceP50: stats(infer).p50,
      postprocessP50: stats(post).p50,
      framesOnFaceCrop: cropped,
    };
  } finally {
    await engine.close();
  }
}

async function resizeOnly(): Promise<Record<string, unknown>> {
  const model = await loadModelManifest(defaultModelPath());
  const { width, height, mean, std, scale } = model.manifest.input;
  const frame = syntheticFrames(1)[0];
  const roi = fullFrameRoi(frame.width, frame.height, width / height);
  const dst = new Float32Array(3 * width * height);
  const measure = (resize: typeof nativeResize) => {
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      resize(frame.rgba, frame.width, frame.height, roi, dst, width, height, mean, std, scale);
      if (i >= WARMUP) samples.push(performance.now() - t0);
    }
    return stats(samples);
  };
  const native = nativeStatus();
  return {
    frame: `${frame.width}x${frame.height} letterboxed to ${width}x${height}`,
    typescript: measure(new TensorResizer().resize),
    native: native.ok ? measure(nativeResize) : `not measured: ${native.reason}`,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  setLogLevel('warn');
  // onnxruntime's own stderr lines for provider libraries it cannot load; the JSON says it in words.
  ort.env.logLevel = 'fatal';
  const model = await loadModelManifest(defaultModelPath());
  const loadAtStart = loadavg()[0];
  const bare = {
    inputSize: `1x3x${model.manifest.input.height}x${model.manifest.input.width}`,
    threads1: await bareInference('cpu', 1, false),
    threads2: await bareInference('cpu', 2, false),
    threads2Spinning: await bareInference('cpu', 2, true),
  };
  const stage2 = await wholeStage(2);
  const defaultThreads = defaultCpuThreads();
  const stageDefault = defaultThreads === 2 ? 'same as 2 threads' : await wholeStage(defaultThreads);
  return {
    model: `${model.manifest.name} ${model.manifest.version}`,
    loadAverageAtStart: Math.round(loadAtStart * 100) / 100,
    bareInferenceMs: bare,
    stage720pMs: { threads2: stage2, defaultThreads: stageDefault },
    resize720pMs: await resizeOnly(),
    gpuBareInferenceMs: await gpuInference(),
    target: {
      bareP50AtTwoThreadsMs: TARGET_P50_MS,
      met: bare.threads2.p50 <= TARGET_P50_MS,
      stageAlsoWithin: (stage2.total as Stats).p50 <= TARGET_P50_MS,
    },
  };
}
