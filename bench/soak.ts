/**
 * `npm run bench -- soak`: the live pipeline as `facemat run` drives it (paced synthetic source
 * at 1280x720, 30 fps, the shipped model on CPU, the default preset, matte lag 1, the null sink)
 * for FACEMAT_SOAK_S seconds (default 600), RSS sampled every 10 s. Reported: frames out, mattes,
 * drops, capture->output latency p50/p99 (the metrics window: the last frames), RSS min/max and
 * its trend after a 60 s warm-up as a least-squares slope in MB per 10 minutes. Goal (issue 20):
 * no growth beyond 1 MB per 10 minutes after warm-up.
 */
import { loadavg } from 'node:os';
import { setLogLevel } from '../src/log.js';
import { Scheduler } from '../src/pipeline/scheduler/scheduler.js';
import { PipelineController } from '../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS, DEFAULT_PRESET } from '../src/pipeline/filter-settings/presets.js';
import { SyntheticSource } from '../src/pipeline/source/synthetic-source.js';
import { NullSink } from '../src/pipeline/sink/null-sink.js';
import { createMatteEngine } from '../src/pipeline/matte/index.js';
import { createCompositor } from '../src/pipeline/composite/index.js';

const SAMPLE_EVERY_S = 10;
const WARMUP_S = 60;

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function run(): Promise<Record<string, unknown>> {
  setLogLevel('warn');
  const seconds = Number(process.env.FACEMAT_SOAK_S ?? 600);
  const format = { width: 1280, height: 720, fps: 30 };
  const preset = PRESETS.find((p) => p.name === DEFAULT_PRESET)!;
  const scheduler = new Scheduler({
    source: new SyntheticSource(true),
    engine: await createMatteEngine({ provider: 'cpu' }),
    compositor: createCompositor(),
    sinks: [new NullSink()],
    controls: new PipelineController({ chain: chainForPreset(preset), preset: preset.name }),
    format,
    maxMatteLag: 1,
  });
  const loadAtStart = loadavg()[0];
  const started = performance.now();
  const samples: Array<{ t: number; rssMB: number }> = [];
  const sample = () => samples.push({ t: (performance.now() - started) / 1000, rssMB: process.memoryUsage.rss() / 2 ** 20 });
  const timer = setInterval(sample, SAMPLE_EVERY_S * 1000);
  const stopper = setTimeout(() => scheduler.stop(), seconds * 1000);
  const done = scheduler.run();
  const summary = await done;
  clearInterval(timer);
  clearTimeout(stopper);
  const s = scheduler.metrics.snapshot();
  const wallS = (performance.now() - started) / 1000;
  const after = samples.filter((x) => x.t >= WARMUP_S);
  const rss = samples.map((x) => x.rssMB);
  const round = (v: number) => Math.round(v * 100) / 100;
  const slopePer10Min = slope(after.map((x) => x.t), after.map((x) => x.rssMB)) * 600;
  return {
    seconds: round(wallS),
    format: `${format.width}x${format.height}@${format.fps}`,
    preset: DEFAULT_PRESET,
    sink: 'null',
    loadAverageAtStart: round(loadAtStart),
    stoppedBecause: summary.reason,
    framesOut: s.frames.output,
    mattes: s.frames.mattes,
    outputFps: round(s.frames.output / wallS),
    dropped: s.dropped,
    captureToOutputMs: { p50: round(s.latencyMs.total.p50), p99: round(s.latencyMs.total.p99) },
    rssMB: {
      samples: samples.length,
      min: round(Math.min(...rss)),
      max: round(Math.max(...rss)),
      afterWarmupMin: after.length ? round(Math.min(...after.map((x) => x.rssMB))) : null,
      afterWarmupMax: after.length ? round(Math.max(...after.map((x) => x.rssMB))) : null,
      slopeAfterWarmupMBPer10Min: after.length >= 2 ? round(slopePer10Min) : null,
      everySample: samples.map((x) => round(x.rssMB)),
    },
    goal: { slopeMBPer10Min: 1, met: after.length >= 2 ? Math.abs(slopePer10Min) <= 1 : null },
  };
}
