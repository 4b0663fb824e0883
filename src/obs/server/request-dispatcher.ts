import type { ObsRequest } from './obs-request.js';
import { RequestStatus, type JsonObject } from './protocol.js';
import type { AnyHandler, RequestContext } from './request-context.js';
import { requestErrorFrom } from './request-error.js';

export interface RequestResult {
  status: RequestStatus;
  comment?: string;
  responseData?: JsonObject;
}

/**
 * Runs one request through its handler and turns the outcome into a status, as the real
 * server's RequestHandler::ProcessRequest does: 203 without a type, 204 for a type we do not
 * implement, the handler's own status on refusal. A handler that throws never reaches the
 * session: every failure becomes a status code.
 */
export class RequestDispatcher {
  constructor(private readonly handlers: Readonly<Record<string, AnyHandler>>) {}

  availableRequests(): string[] {
    return Object.keys(this.handlers);
  }

  async dispatch(request: ObsRequest, ctx: RequestContext): Promise<RequestResult> {
    if (request.requestType === '') {
      return { status: RequestStatus.MissingRequestType, comment: 'Your request is missing a `requestType`' };
    }
    const handler = Object.hasOwn(this.handlers, request.requestType) ? this.handlers[request.requestType] : undefined;
    if (!handler) {
      return {
        status: RequestStatus.UnknownRequestType,
        comment: 'Your request type is not valid. (facemat-cam implements the requests listed in GetVersion availableRequests.)',
      };
    }
    try {
      const out = await handler(request, ctx);
      return typeof out === 'object' && out !== null ? { status: RequestStatus.Success, responseData: out as JsonObject } : { status: RequestStatus.Success };
    } catch (err) {
      const refused = requestErrorFrom(err);
      return { status: refused.status, comment: refused.message };
    }
  }
}
