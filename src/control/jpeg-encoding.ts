import { logger } from '../log.js';
import { encodeJpegJs } from './js-jpeg-encoder.js';

const log = logger('preview');

export type EncodeJpeg = (rgba: Uint8Array, width: number, height: number, quality: number) => Buffer;

export interface JpegEncoder {
  encode: EncodeJpeg;
  /** 'native' is libjpeg-turbo in the project's addon; 'js' the slower pure-TypeScript fallback. */
  kind: 'native' | 'js';
  /** Why the fallback is in use, or which encoder runs. */
  detail: string;
}

/** The addon's loader module, relative to this file (src/native/index.ts, built to dist/src/native). */
const NATIVE_LOADER = '../native/index.js';

let chosen: Promise<JpegEncoder> | undefined;

/**
 * Picks the JPEG encoder once per process: the native addon's libjpeg-turbo encoder when it
 * loads, otherwise the pure-TypeScript one (and says why, once).
 */
export function loadJpegEncoder(): Promise<JpegEncoder> {
  chosen ??= (async (): Promise<JpegEncoder> => {
    let reason: string;
    try {
      const native = (await import(NATIVE_LOADER)) as { encodeJpeg?: unknown };
      if (typeof native.encodeJpeg === 'function') {
        const encode = native.encodeJpeg as EncodeJpeg;
        // One tiny encode proves the addon itself loads, not just its loader module.
        encode(new Uint8Array(8 * 8 * 4), 8, 8, 80);
        return { encode, kind: 'native', detail: 'libjpeg-turbo (native addon)' };
      }
      reason = 'the native addon has no encodeJpeg';
    } catch (err) {
      reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    log.warn(`JPEG previews use the slower pure-TypeScript encoder: ${reason}`);
    return { encode: encodeJpegJs, kind: 'js', detail: `pure TypeScript (${reason})` };
  })();
  return chosen;
}
