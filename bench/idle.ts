/**
 * What the pipeline costs while nobody watches, against while someone does: synthetic 1280x720
 * at 30 fps -> shipped model -> default preset -> a sink whose consumer comes and goes (as a
 * virtual camera's reader does). CPU is this process's (every thread: model worker, llvmpipe),
 * as a share of one core, over the same length of time each way. Idle, the scheduler pauses
 * capture and inference after its 2 s grace period and sends one keep-alive frame a second.
 */
import { Scheduler } from '../src/pipeline/scheduler/scheduler.js';
import { PipelineController } from '../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS, DEFAULT_PRESET } from '../src/pipeline/filter-settings/presets.js';
import { SyntheticSource } from '../src/pipeline/source/synthetic-source.js';
import type { FrameSink } from '../src/pipeline/sink/frame-sink.js';
import { createMatteEngine } from '../src/pipeline/matte/index.js';
import { createCompositor } from '../src/pipeline/composite/index.js';
import { loadavg } from 'node:os';

const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);

/** A sink whose consumer the bench switches on and off; counts what it is given. */
class WatchedSink implements FrameSink {
  readonly description = 'watched';
  watched = true;
  frames = 0;
  async open(): Promise<void> {}
  async write(): Promise<void> {
    this.frames++;
  }
  hasConsumers(): boolean {
    return this.watched;
  }
  async close(): Promise<void> {}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cpuShare(seconds: number): Promise<number> {
  const before = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  return Math.round(((used.user + used.system) / wallUs) * 1000) / 10;
}

export async function run(): Promise<Record<string, unknown>> {
  const sink = new WatchedSink();
  const preset = PRESETS.find((p) => p.name === DEFAULT_PRESET)!;
  const scheduler = new Scheduler({
    source: new SyntheticSource(true),
    engine: await createMatteEngine({ provider: 'cpu' }),
    compositor: createCompositor(),
    sinks: [sink],
    controls: new PipelineController({ chain: chainForPreset(preset), preset: preset.name }),
    format: { width: 1280, height: 720, fps: 30 },
  });
  const done = scheduler.run();
  await sleep(3000); // warm-up
  const framesBefore = sink.frames;
  const watchedCpu = await cpuShare(SECONDS);
  const watchedFrames = sink.frames - framesBefore;
  sink.watched = false;
  await sleep(3000); // the grace period, then idle
  const idleBefore = { frames: sink.frames, captured: scheduler.metrics.frames.captured };
  const idleCpu = await cpuShare(SECONDS);
  const idleFrames = sink.frames - idleBefore.frames;
  const idleCaptured = scheduler.metrics.frames.captured - idleBefore.captured;
  scheduler.stop();
  await done;
  return {
    size: '1280x720',
    fps: 30,
    preset: preset.name,
    seconds: SECONDS,
    loadAverageAtStart: loadavg()[0],
    watched: { cpuPercentOfOneCore: watchedCpu, framesPerSecond: Math.round((watchedFrames / SECONDS) * 10) / 10 },
    idle: { cpuPercentOfOneCore: idleCpu, keepAliveFramesPerSecond: Math.round((idleFrames / SECONDS) * 10) / 10, framesCaptured: idleCaptured },
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
  };
}
