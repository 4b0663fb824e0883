import type { OBSRequestTypes, OBSResponseTypes } from 'obs-websocket-js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import type { ObsRequest } from './obs-request.js';
import type { JsonObject } from './protocol.js';
import type { ObsStateModel } from './state-model.js';

/** What a request handler may use; one per request, so sleepFrames applies to that request. */
export interface RequestContext {
  readonly controller: PipelineController;
  readonly model: ObsStateModel;
  /** The calling session's message counters (GetStats reports them). */
  readonly session: { readonly incomingMessages: number; readonly outgoingMessages: number };
  readonly server: {
    availableRequests(): string[];
    broadcastCustomEvent(eventData: JsonObject): void;
  };
  /** Aborted when the session closes, so a long Sleep does not outlive it. */
  readonly signal: AbortSignal;
  /** In a SerialFrame batch: hold the next request back this many frames. */
  sleepFrames(frames: number): void;
}

type Response<K extends keyof OBSResponseTypes> = OBSResponseTypes[K] extends undefined ? void : OBSResponseTypes[K];

/**
 * Request handlers by request type. Typed against obs-websocket-js's published protocol types,
 * so a response with a missing or misnamed field does not compile. The request data arrives
 * unchecked from the wire; handlers read it through ObsRequest's validators.
 */
export type HandlerTable = {
  [K in keyof OBSRequestTypes & keyof OBSResponseTypes]?: (request: ObsRequest, ctx: RequestContext) => Response<K> | Promise<Response<K>>;
};

/** A handler as the dispatcher calls it, whatever its request type. */
export type AnyHandler = (request: ObsRequest, ctx: RequestContext) => unknown;
