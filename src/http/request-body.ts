import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** Control requests are a few hundred bytes; anything near this is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON request body: undefined when empty, 413 past MAX_BODY_BYTES (checked against
 * Content-Length first, then while streaming), 400 when it is not JSON.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop reading but keep the socket: destroying the request would lose the 413 reply.
      req.off('data', onData);
      req.pause();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
    req.once('error', reject);
  });
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'bad-json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'payload-too-large', `request body is larger than ${limit} bytes`, { Connection: 'close' });
}
