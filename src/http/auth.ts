import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../config/password.js';
import { logger } from '../log.js';
import { tooManyFailuresMessage, type AuthFailureLimiter } from '../util/auth-failure-limiter.js';
import { ApiError } from './api-error.js';

const log = logger('control');

/**
 * The password a request offers: `Authorization: Bearer P` (stream decks, curl, `facemat ctl`)
 * or `?key=P` (links, and the browser's <img> and EventSource, which cannot set headers).
 */
export function offeredKey(req: IncomingMessage, url: URL): string | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? match[1] : null;
  }
  return url.searchParams.get('key');
}

/** Constant-time check of the offered password against the control password. */
export function isAuthorized(req: IncomingMessage, url: URL, password: string): boolean {
  const key = offeredKey(req, url);
  return key !== null && safeEqual(key, password);
}

/**
 * Lets a request through to the API or throws: 401 without a password or with a wrong one (which
 * counts as a failure), 429 unchecked while `failures` says too many were wrong lately, from
 * whatever addresses (it is shared with the obs-websocket server). A request without a password
 * is no guess and does not count.
 */
export function authorize(req: IncomingMessage, url: URL, password: string, failures: AuthFailureLimiter): void {
  const key = offeredKey(req, url);
  if (key === null) throw unauthorized('missing password: send "Authorization: Bearer PASSWORD" or ?key=PASSWORD');
  const waitMs = failures.retryAfterMs();
  if (waitMs > 0) {
    throw new ApiError(429, 'too-many-auth-failures', tooManyFailuresMessage(waitMs), { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
  }
  if (!safeEqual(key, password)) {
    const source = req.socket?.remoteAddress ?? 'unknown';
    failures.recordFailure(source);
    const recent = failures.recent();
    log.warn(`wrong password from ${source} (${recent.failures} in the last minute from ${recent.sources} address(es))`);
    throw unauthorized('wrong password: send "Authorization: Bearer PASSWORD" or ?key=PASSWORD');
  }
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="facemat-cam"' });
}
