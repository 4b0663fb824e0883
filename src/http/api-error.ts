import { CommandError, type CommandErrorCode } from '../pipeline/controller/commands.js';

/** An HTTP API failure: sent as `{"error": {"code", "message"}}` with `status`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS_BY_COMMAND_ERROR: Record<CommandErrorCode, number> = {
  'unknown-filter': 404,
  'unknown-preset': 404,
  'invalid-settings': 400,
  'invalid-value': 400,
  unavailable: 503,
  'already-active': 409,
  'not-active': 409,
};

/** Maps the controller's refusals to HTTP statuses; anything else stays as it is. */
export function toApiError(err: unknown): unknown {
  if (err instanceof CommandError) return new ApiError(STATUS_BY_COMMAND_ERROR[err.code], err.code, err.message);
  return err;
}
