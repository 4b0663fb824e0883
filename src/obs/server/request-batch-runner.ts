import { abortableDelay } from '../../util/abortable-delay.js';
import { ObsRequest, isObject } from './obs-request.js';
import { RequestBatchExecutionType, RequestStatus, type JsonObject, type RequestResponseData } from './protocol.js';
import type { RequestContext } from './request-context.js';
import type { RequestDispatcher, RequestResult } from './request-dispatcher.js';

export interface BatchOptions {
  executionType: RequestBatchExecutionType;
  haltOnFailure: boolean;
  /** Batch variables (serial modes only), shared by the requests' input/output variables. */
  variables: JsonObject;
}

/** The per-request context without sleepFrames, which the runner supplies. */
export type BaseContext = Omit<RequestContext, 'sleepFrames'>;

/**
 * Runs a RequestBatch the way the real server's RequestBatchHandler does:
 * - SerialRealtime: one after the other, at once.
 * - SerialFrame: one after the other from the next video frame on; Sleep(sleepFrames) holds the
 *   rest back that many frames (frames at the pipeline's rate).
 * - Parallel: all at once; results still in request order.
 * haltOnFailure stops a serial batch after the first failed request (its result included).
 */
export class RequestBatchRunner {
  constructor(
    private readonly dispatcher: RequestDispatcher,
    private readonly frameIntervalMs: () => number,
  ) {}

  async run(requests: unknown[], options: BatchOptions, base: BaseContext): Promise<RequestResponseData[]> {
    const { executionType, haltOnFailure, variables } = options;
    if (executionType === RequestBatchExecutionType.Parallel) {
      return Promise.all(
        requests.map(async (raw) => {
          const entry = batchEntry(raw);
          const request = new ObsRequest(entry.requestType, entry.requestData, executionType);
          return responseFor(entry, await this.dispatcher.dispatch(request, { ...base, sleepFrames: () => {} }));
        }),
      );
    }

    const results: RequestResponseData[] = [];
    if (executionType === RequestBatchExecutionType.SerialFrame) await this.frames(1, base.signal);
    for (const raw of requests) {
      if (base.signal.aborted) break;
      const entry = batchEntry(raw);
      const request = new ObsRequest(entry.requestType, withInputVariables(entry, variables), executionType);
      let sleep = 0;
      const result = await this.dispatcher.dispatch(request, { ...base, sleepFrames: (n) => (sleep = n) });
      storeOutputVariables(entry, result, variables);
      results.push(responseFor(entry, result));
      if (haltOnFailure && result.status !== RequestStatus.Success) break;
      if (sleep > 0) await this.frames(sleep, base.signal);
    }
    return results;
  }

  private frames(count: number, signal: AbortSignal): Promise<void> {
    return abortableDelay(count * this.frameIntervalMs(), signal);
  }
}

interface BatchEntry {
  requestType: string;
  requestId: unknown;
  hasRequestId: boolean;
  requestData: unknown;
  inputVariables: unknown;
  outputVariables: unknown;
}

/** A batch entry as the real server reads it: a non-string requestType counts as missing. */
function batchEntry(raw: unknown): BatchEntry {
  const o = isObject(raw) ? raw : {};
  return {
    requestType: typeof o.requestType === 'string' ? o.requestType : '',
    requestId: o.requestId,
    hasRequestId: o.requestId !== undefined && o.requestId !== null,
    requestData: o.requestData,
    inputVariables: o.inputVariables,
    outputVariables: o.outputVariables,
  };
}

/** `inputVariables: {"sceneName": "myVar"}` sets requestData.sceneName = variables.myVar. */
function withInputVariables(entry: BatchEntry, variables: JsonObject): unknown {
  if (!isObject(entry.inputVariables) || Object.keys(variables).length === 0) return entry.requestData;
  const data: JsonObject = isObject(entry.requestData) ? { ...entry.requestData } : {};
  for (const [field, name] of Object.entries(entry.inputVariables)) {
    if (field !== '__proto__' && typeof name === 'string' && Object.hasOwn(variables, name)) data[field] = variables[name];
  }
  return Object.keys(data).length > 0 || isObject(entry.requestData) ? data : entry.requestData;
}

/** `outputVariables: {"myVar": "sceneItemId"}` sets variables.myVar = responseData.sceneItemId. */
function storeOutputVariables(entry: BatchEntry, result: RequestResult, variables: JsonObject): void {
  if (!isObject(entry.outputVariables) || !result.responseData) return;
  for (const [name, field] of Object.entries(entry.outputVariables)) {
    if (name !== '__proto__' && typeof field === 'string' && Object.hasOwn(result.responseData, field)) {
      variables[name] = result.responseData[field];
    }
  }
}

export function responseFor(entry: { requestType: string; requestId: unknown; hasRequestId: boolean }, result: RequestResult): RequestResponseData {
  const out: RequestResponseData = {
    requestType: entry.requestType,
    requestStatus: { result: result.status === RequestStatus.Success, code: result.status },
  };
  if (entry.hasRequestId) out.requestId = entry.requestId;
  if (result.comment) out.requestStatus.comment = result.comment;
  if (result.responseData) out.responseData = result.responseData;
  return out;
}
