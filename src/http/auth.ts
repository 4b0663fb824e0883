import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../config/password.js';

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
