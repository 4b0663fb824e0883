import { PipelineController } from '../../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../../src/pipeline/filter-settings/filter-chain.js';
import { type VirtualCamera } from '../../../src/pipeline/sink/virtual-camera.js';
import { PRESETS } from '../../../src/pipeline/filter-settings/presets.js';
import type { VideoFormat } from '../../../src/pipeline/frame.js';
import { PipelineMetrics } from '../../../src/pipeline/scheduler/metrics.js';
import { SinkFanout } from '../../../src/pipeline/scheduler/sink-fanout.js';
import { createObsWebSocketServer, type ObsWebSocketServerOptions, type ObsWebSocketServer } from '../../../src/obs/server/obs-websocket-server.js';
import { setLogSink } from '../../../src/log.js';

export const FORMAT = { width: 64, height: 48, fps: 30 };
export const PASSWORD = 'correct horse battery staple';

export interface ServerFixture {
  controller: PipelineController;
  server: ObsWebSocketServer;
  metrics: PipelineMetrics;
  /** The fan-out the controller attaches sinks to (a pipeline run writes through it). */
  fanout: SinkFanout;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/**
 * A real PipelineController (preset "Natural") behind a real obs-websocket server on an
 * ephemeral 127.0.0.1 port. Log lines are captured instead of printed.
 */
export async function startServer(
  options: Partial<Omit<ObsWebSocketServerOptions, 'controller'>> & { camera?: VirtualCamera; format?: VideoFormat } = {},
): Promise<ServerFixture> {
  const metrics = new PipelineMetrics();
  const fanout = new SinkFanout(metrics);
  const { camera, format = FORMAT, ...serverOptions } = options;
  const controller = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name, virtualCamera: camera, sinks: fanout, info: () => ({ source: 'synthetic', sinks: ['null'], format: { ...format }, model: 'facemat-test.onnx', provider: 'cpu' }), metrics: () => metrics.snapshot() });
  const logs: string[] = [];
  const previous = setLogSink((line) => logs.push(line));
  const server = createObsWebSocketServer({ controller, password: PASSWORD, ...serverOptions });
  const port = await server.listen(0);
  return {
    controller,
    server,
    metrics,
    fanout,
    url: `ws://127.0.0.1:${port}`,
    logs,
    async close() {
      await server.close();
      setLogSink(previous);
    },
  };
}
