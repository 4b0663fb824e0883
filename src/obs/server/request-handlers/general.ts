import { abortableDelay } from '../../../util/abortable-delay.js';
import { OBS_WEBSOCKET_PROTOCOL_VERSION, RPC_VERSION, RequestBatchExecutionType, RequestStatus } from '../protocol.js';
import { productInfo } from '../product-info.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable } from '../request-context.js';

/** General requests: who we are, custom events, Sleep inside batches. */
export const GENERAL_HANDLERS: HandlerTable = {
  GetVersion: (_request, ctx) => {
    const info = productInfo();
    return {
      // There is no OBS Studio here: clients only display this field, so it carries our version,
      // and platformDescription says in words what answers.
      obsVersion: info.version,
      obsWebSocketVersion: OBS_WEBSOCKET_PROTOCOL_VERSION,
      rpcVersion: RPC_VERSION,
      availableRequests: ctx.server.availableRequests(),
      supportedImageFormats: [],
      platform: info.platform,
      platformDescription: info.platformDescription,
    };
  },

  BroadcastCustomEvent: (request, ctx) => {
    ctx.server.broadcastCustomEvent(request.object('eventData'));
  },

  Sleep: async (request, ctx) => {
    if (request.executionType === RequestBatchExecutionType.SerialRealtime) {
      const ms = request.number('sleepMillis', 0, 50000);
      await abortableDelay(ms, ctx.signal);
      return;
    }
    if (request.executionType === RequestBatchExecutionType.SerialFrame) {
      ctx.sleepFrames(request.number('sleepFrames', 0, 10000));
      return;
    }
    throw new RequestError(
      RequestStatus.UnsupportedRequestBatchExecutionType,
      'Sleep is only available in a SerialRealtime (sleepMillis) or SerialFrame (sleepFrames) request batch.',
    );
  },
};
