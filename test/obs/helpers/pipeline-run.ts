import type { PipelineController } from '../../../src/pipeline/controller/pipeline-controller.js';
import type { VideoFormat } from '../../../src/pipeline/frame.js';
import type { FrameSource } from '../../../src/pipeline/source/frame-source.js';
import type { MatteEngine } from '../../../src/pipeline/matte/matte-engine.js';
import type { PipelineMetrics } from '../../../src/pipeline/scheduler/metrics.js';
import type { SinkFanout } from '../../../src/pipeline/scheduler/sink-fanout.js';
import { Scheduler } from '../../../src/pipeline/scheduler/scheduler.js';
import { createCompositor } from '../../../src/pipeline/composite/index.js';

/** The lead's scheduler with the real GL compositor, running until stop(). */
export function runPipeline(options: {
  controller: PipelineController;
  fanout: SinkFanout;
  source: FrameSource;
  engine: MatteEngine | null;
  format: VideoFormat;
  metrics: PipelineMetrics;
}): { stop(): Promise<void> } {
  const { controller, ...rest } = options;
  const scheduler = new Scheduler({ ...rest, controls: controller, compositor: createCompositor(), sinks: [] });
  const done = scheduler.run();
  return {
    async stop() {
      scheduler.stop();
      await done;
    },
  };
}
