import { CommandError, type CommandErrorCode } from '../../pipeline/controller/commands.js';
import { RequestStatus } from './protocol.js';
import { errorMessage } from '../../util/error-message.js';

/** A refused request: the status code and comment go into the RequestResponse. */
export class RequestError extends Error {
  constructor(
    readonly status: RequestStatus,
    comment: string,
  ) {
    super(comment);
    this.name = 'RequestError';
  }
}

/**
 * What the real server answers in the same situation: an unknown filter or scene is a missing
 * resource (600); bad settings are an invalid field (400) and a bad index out of range (402);
 * a virtual camera that cannot run answers 604 as OBS does without v4l2loopback; starting a
 * running output is 500 and stopping a stopped one 501.
 */
const STATUS_FOR: Record<CommandErrorCode, RequestStatus> = {
  'unknown-filter': RequestStatus.ResourceNotFound,
  'unknown-preset': RequestStatus.ResourceNotFound,
  'invalid-settings': RequestStatus.InvalidRequestField,
  'invalid-value': RequestStatus.RequestFieldOutOfRange,
  unavailable: RequestStatus.InvalidResourceState,
  'already-active': RequestStatus.OutputRunning,
  'not-active': RequestStatus.OutputNotRunning,
};

export function requestErrorFrom(err: unknown): RequestError {
  if (err instanceof RequestError) return err;
  if (err instanceof CommandError) return new RequestError(STATUS_FOR[err.code], err.message);
  // Anything else is a fault below us (a sink that failed to open...): the request could not be
  // carried out, the session and the pipeline go on.
  const message = errorMessage(err);
  return new RequestError(RequestStatus.RequestProcessingFailed, `Request processing failed: ${message}`);
}
