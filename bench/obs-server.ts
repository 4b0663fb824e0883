/**
 * obs-websocket server: request round trips, batch throughput and event fan-out, measured with
 * the real obs-websocket-js client over loopback against a real PipelineController.
 */
import { OBSWebSocket as JsonOBS } from 'obs-websocket-js/json';
import { OBSWebSocket as MsgpackOBS } from 'obs-websocket-js/msgpack';
import { PipelineController } from '../src/pipeline/controller/pipeline-controller.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { PRESETS } from '../src/pipeline/filter-settings/presets.js';
import { createObsWebSocketServer } from '../src/obs/server/obs-websocket-server.js';
import { percentile } from '../src/pipeline/scheduler/metrics.js';
import { setLogSink } from '../src/log.js';

const PASSWORD = 'bench';
const ROUND_TRIPS = 400;
const BATCH = 1000;
const FAN_OUT_CLIENTS = 8;
const EVENTS = 100;

type Client = JsonOBS | MsgpackOBS;

function summary(ms: number[]): { p50: number; p99: number; mean: number } {
  const sorted = Float64Array.from(ms).sort();
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), mean: round(ms.reduce((a, b) => a + b, 0) / ms.length) };
}

async function roundTrips(obs: Client): Promise<Record<string, unknown>> {
  const read: number[] = [];
  const write: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    let t = performance.now();
    await obs.call('GetSourceFilterList', { sourceName: 'FaceMat Camera' });
    read.push(performance.now() - t);
    t = performance.now();
    await obs.call('SetSourceFilterEnabled', { sourceName: 'FaceMat Camera', filterName: 'toon', filterEnabled: i % 2 === 0 });
    write.push(performance.now() - t);
  }
  return { getSourceFilterListMs: summary(read), setSourceFilterEnabledMs: summary(write) };
}

async function batchThroughput(obs: Client): Promise<number> {
  const requests = Array.from({ length: BATCH }, (_, i) => ({
    requestType: 'SetSourceFilterEnabled' as const,
    requestData: { sourceName: 'FaceMat Camera', filterName: 'sketch', filterEnabled: i % 2 === 0 },
  }));
  const t = performance.now();
  await obs.callBatch(requests);
  return Math.round((BATCH / (performance.now() - t)) * 1000);
}

/** From controller.execute() to the event arriving at the last of N subscribed clients. */
async function fanOut(controller: PipelineController, clients: Client[]): Promise<Record<string, unknown>> {
  const ms: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const arrived = clients.map((c) => new Promise<void>((resolve) => c.once('SourceFilterEnableStateChanged', () => resolve())));
    const t = performance.now();
    await controller.execute({ type: 'filter.toggle', name: 'facepaint' }, 'internal');
    await Promise.all(arrived);
    ms.push(performance.now() - t);
  }
  return { clients: clients.length, eventToLastClientMs: summary(ms) };
}

export async function run(): Promise<Record<string, unknown>> {
  const previous = setLogSink(() => {});
  const controller = new PipelineController({ chain: chainForPreset(PRESETS[0]), preset: PRESETS[0].name });
  const server = createObsWebSocketServer({ controller, password: PASSWORD, maxClients: 32, requestsPerSecond: 1e9, requestBurst: 1e9 });
  const url = `ws://127.0.0.1:${await server.listen(0)}`;
  const clients: Client[] = [];
  try {
    const out: Record<string, unknown> = { roundTrips: ROUND_TRIPS, batchSize: BATCH };
    for (const [name, Client] of [['json', JsonOBS], ['msgpack', MsgpackOBS]] as const) {
      const obs = new Client();
      clients.push(obs);
      await obs.connect(url, PASSWORD);
      out[name] = { ...(await roundTrips(obs)), batchRequestsPerSecond: await batchThroughput(obs) };
    }
    while (clients.length < FAN_OUT_CLIENTS) {
      const obs = clients.length % 2 ? new MsgpackOBS() : new JsonOBS();
      await obs.connect(url, PASSWORD);
      clients.push(obs);
    }
    out.fanOut = await fanOut(controller, clients);
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.disconnect()));
    await server.close();
    setLogSink(previous);
  }
}
