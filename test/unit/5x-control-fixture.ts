import { startControlServer, type ControlServer, type UpgradeHandler } from '../../src/http/control-server.js';
import type { AuthFailureLimiter } from '../../src/util/auth-failure-limiter.js';
import { PipelineController } from '../../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../../src/pipeline/filter-settings/filter-chain.js';
import { type VirtualCamera } from '../../src/pipeline/sink/virtual-camera.js';
import { PRESETS } from '../../src/pipeline/filter-settings/presets.js';
import { PipelineMetrics } from '../../src/pipeline/scheduler/metrics.js';

export const PASSWORD = 'correct horse';

/** A virtual camera that starts and stops in memory (the real one needs v4l2loopback). */
export class MemoryVirtualCamera implements VirtualCamera {
  active = false;
  constructor(
    readonly available = true,
    readonly detail = '/dev/video10',
  ) {}
  async start() {
    this.active = true;
  }
  async stop() {
    this.active = false;
  }
}

export interface ControlFixture {
  controller: PipelineController;
  server: ControlServer;
  metrics: PipelineMetrics;
  base: string;
  call(method: string, path: string, init?: { body?: string; headers?: Record<string, string>; auth?: boolean }): Promise<{ status: number; headers: Headers; json: any }>;
  close(): Promise<void>;
}

/** A controller on the Natural preset behind a control server on an ephemeral port. */
export async function startFixture(options: { camera?: VirtualCamera; upgradeHandler?: UpgradeHandler; authFailures?: AuthFailureLimiter } = {}): Promise<ControlFixture> {
  const metrics = new PipelineMetrics();
  const controller = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name, virtualCamera: options.camera, metrics: () => metrics.snapshot() });
  const server = await startControlServer({ controller, host: '127.0.0.1', port: 0, password: PASSWORD, upgradeHandler: options.upgradeHandler, authFailures: options.authFailures });
  const base = `http://127.0.0.1:${server.address.port}`;
  return {
    controller,
    server,
    metrics,
    base,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { ...(init.auth === false ? {} : { Authorization: `Bearer ${PASSWORD}` }), ...init.headers };
      const res = await fetch(base + path, { method, headers, body: init.body });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json };
    },
    close: () => server.close(),
  };
}

/** Width and height from a JPEG's SOF0 marker. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } {
  for (let i = 2; i < jpeg.length - 8; ) {
    if (jpeg[i] !== 0xff) throw new Error('not a JPEG marker');
    const marker = jpeg[i + 1];
    if (marker === 0xc0) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOF0');
}
