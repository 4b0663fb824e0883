import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, Subprotocol, type ObsMessage } from './protocol.js';

/**
 * The two encodings of obs-websocket 5. JSON travels in text frames, MessagePack in binary
 * frames; a frame of the other kind is a decode error (close 4002), as on the real server.
 */
export interface Codec {
  readonly subprotocol: Subprotocol;
  encode(message: ObsMessage): string | Uint8Array;
  /** Throws a DecodeError with the reason the real server would give. */
  decode(data: Buffer, isBinary: boolean): unknown;
}

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

export const JSON_CODEC: Codec = {
  subprotocol: SUBPROTOCOL_JSON,
  encode: (message) => JSON.stringify(message),
  decode(data, isBinary) {
    if (isBinary) throw new DecodeError('Your session encoding is set to Json, but a binary message was received.');
    try {
      return JSON.parse(data.toString('utf8'));
    } catch (err) {
      throw new DecodeError(`Unable to decode Json: ${(err as Error).message}`);
    }
  },
};

export const MSGPACK_CODEC: Codec = {
  subprotocol: SUBPROTOCOL_MSGPACK,
  encode: (message) => msgpackEncode(message, { ignoreUndefined: true }),
  decode(data, isBinary) {
    if (!isBinary) throw new DecodeError('Your session encoding is set to MsgPack, but a text message was received.');
    try {
      // Rejects "__proto__" map keys itself, so decoded objects cannot pollute prototypes.
      return msgpackDecode(data);
    } catch (err) {
      throw new DecodeError(`Unable to decode MsgPack: ${(err as Error).message}`);
    }
  },
};

/**
 * The subprotocol the real server selects: the first of the client's offers that it knows, in
 * the client's order; none at all means JSON without a subprotocol header.
 */
export function selectSubprotocol(offered: Iterable<string>): Subprotocol | null {
  for (const p of offered) {
    if (p === SUBPROTOCOL_JSON || p === SUBPROTOCOL_MSGPACK) return p;
  }
  return null;
}

export function codecFor(subprotocol: string | null | undefined): Codec {
  return subprotocol === SUBPROTOCOL_MSGPACK ? MSGPACK_CODEC : JSON_CODEC;
}
