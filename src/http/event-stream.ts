import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Origin, PipelineController } from '../pipeline/controller/pipeline-controller.js';

export interface EventStreamOptions {
  /** How often a `metrics` event goes out while someone listens (default 1000 ms). */
  metricsIntervalMs?: number;
  /** Extra fields for each metrics event (the preview's counters). */
  extraMetrics?: () => Record<string, unknown>;
}

/**
 * Server-Sent Events of the controller's changes, so the web panel stays in sync with whatever
 * else drives the pipeline (hotkeys, obs-websocket clients, the HTTP API). Every change sends the
 * whole state (`event: state`, several changes in one tick coalesced), and `event: metrics`
 * carries the live numbers for the plots.
 */
export class ControllerEventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly pendingOrigins = new Set<Origin>();
  private flushScheduled = false;
  private metricsTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly onChange = ({ origin }: { origin: Origin }) => this.scheduleState(origin);

  constructor(
    private readonly controller: PipelineController,
    private readonly options: EventStreamOptions = {},
  ) {
    controller.on('change', this.onChange);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  addClient(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    });
    this.sendTo(res, 'state', { origin: 'internal', state: this.controller.state() });
    this.sendTo(res, 'metrics', this.metricsPayload());
    this.startTimers();
  }

  close(): void {
    this.controller.off('change', this.onChange);
    this.stopTimers();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private scheduleState(origin: Origin): void {
    if (this.clients.size === 0) return;
    this.pendingOrigins.add(origin);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const origins = [...this.pendingOrigins];
      this.pendingOrigins.clear();
      this.broadcast('state', { origin: origins[origins.length - 1], origins, state: this.controller.state() });
    });
  }

  private metricsPayload(): Record<string, unknown> {
    return { metrics: this.controller.metrics(), ...(this.options.extraMetrics?.() ?? {}) };
  }

  private startTimers(): void {
    if (this.metricsTimer) return;
    this.metricsTimer = setInterval(() => this.broadcast('metrics', this.metricsPayload()), this.options.metricsIntervalMs ?? 1000);
    // A comment line now and then keeps proxies and idle-timeouts from closing the stream.
    this.heartbeatTimer = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
    }, 15_000);
    this.metricsTimer.unref();
    this.heartbeatTimer.unref();
  }

  private stopTimers(): void {
    clearInterval(this.metricsTimer);
    clearInterval(this.heartbeatTimer);
    this.metricsTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  private broadcast(event: string, data: unknown): void {
    const text = format(event, data);
    for (const res of this.clients) res.write(text);
  }

  private sendTo(res: ServerResponse, event: string, data: unknown): void {
    res.write(format(event, data));
  }
}

function format(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
