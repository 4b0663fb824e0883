/**
 * The whole pipeline, synthetic source -> shipped model -> default preset -> null sink, at three
 * sizes, two ways:
 * - `live`: the source paced at 30 fps like a camera, default settings (matteLag 1): the fps,
 *   latency and drops a user gets;
 * - `capacity`: unpaced, a matte for every frame (matteLag 0): the most frames per second the
 *   machine sustains, and the ratio of that frame time to the bare model inference measured in
 *   the same run (same engine, same frame content).
 */
import { Scheduler } from '../src/pipeline/scheduler/scheduler.js';
import { PipelineController } from '../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS, DEFAULT_PRESET } from '../src/pipeline/filter-settings/presets.js';
import { SyntheticSource } from '../src/pipeline/source/synthetic-source.js';
import { NullSink } from '../src/pipeline/sink/null-sink.js';
import { FramePool } from '../src/pipeline/frame-pool.js';
import { createMatteEngine } from '../src/pipeline/matte/index.js';
import { createCompositor } from '../src/pipeline/composite/index.js';
import { percentile } from '../src/pipeline/scheduler/metrics.js';
import { nowMs } from '../src/pipeline/frame.js';
import { loadavg } from 'node:os';

const SIZES = [
  [640, 360],
  [1280, 720],
  [1920, 1080],
] as const;
const FRAMES = Number(process.env.BENCH_FRAMES ?? 150);
const WARMUP = 15;

export async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { frames: FRAMES, preset: DEFAULT_PRESET, source: 'synthetic', sink: 'null', loadAverageAtStart: loadavg()[0] };
  for (const [width, height] of SIZES) {
    out[`${width}x${height}`] = {
      live: await measure(width, height, { paced: true, matteLag: 1 }),
      capacity: await measure(width, height, { paced: false, matteLag: 0 }),
    };
  }
  return out;
}

async function measure(width: number, height: number, mode: { paced: boolean; matteLag: number }): Promise<Record<string, unknown>> {
  const format = { width, height, fps: 30 };
  const engine = await createMatteEngine({ provider: 'cpu' });
  // Bare inference on the same engine and frame content, for the ratio.
  const source = new SyntheticSource(false);
  await source.open(format);
  const pool = new FramePool(width, height, 1);
  const frame = pool.acquire(0, nowMs())!;
  await source.read(frame.rgba);
  const bare: number[] = [];
  for (let i = 0; i < WARMUP + 60; i++) {
    const t = nowMs();
    await engine.run(frame);
    if (i >= WARMUP) bare.push(nowMs() - t);
  }
  frame.release();
  await source.close();
  bare.sort((a, b) => a - b);

  const preset = PRESETS.find((p) => p.name === DEFAULT_PRESET)!;
  const controller = new PipelineController({ chain: chainForPreset(preset), preset: preset.name });
  const scheduler = new Scheduler({
    source: new SyntheticSource(mode.paced),
    engine,
    compositor: createCompositor(),
    sinks: [new NullSink()],
    controls: controller,
    format,
    maxMatteLag: mode.matteLag,
    frameLimit: FRAMES,
  });
  const started = nowMs();
  await scheduler.run();
  const wallMs = nowMs() - started;
  const s = scheduler.metrics.snapshot();
  const frameMs = wallMs / s.frames.output;
  const round = (v: number) => Math.round(v * 100) / 100;
  const stage = (name: keyof typeof s.latencyMs) => ({ p50: round(s.latencyMs[name].p50), p99: round(s.latencyMs[name].p99) });
  return {
    paced: mode.paced,
    matteLag: mode.matteLag,
    outputFps: round(1000 / frameMs),
    matteFps: round((s.frames.mattes / wallMs) * 1000),
    framesOut: s.frames.output,
    dropped: s.dropped,
    stageMs: { capture: stage('capture'), matte: stage('matte'), composite: stage('composite'), sink: stage('sink') },
    captureToOutputMs: stage('total'),
    bareInferenceMs: { p50: round(percentile(bare, 0.5)), p99: round(percentile(bare, 0.99)) },
    pipelineFrameMs: round(frameMs),
    // Paced, the frame time is the camera's; the ratio only means something unpaced.
    ...(mode.paced ? {} : { ratioPipelineToInference: round(frameMs / percentile(bare, 0.5)) }),
    rssMB: Math.round(s.rssBytes / 2 ** 20),
  };
}
