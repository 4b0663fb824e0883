import { encodeJpeg } from '../../native/index.js';

export type EncodeJpeg = (rgba: Uint8Array, width: number, height: number, quality: number) => Buffer;

export interface JpegEncoder {
  encode: EncodeJpeg;
  /** Which encoder runs, for logs and the preview's stats. */
  detail: string;
}

/**
 * The JPEG encoder of the MJPEG previews: libjpeg-turbo in the project's addon, which every run
 * needs anyway (capture and the virtual camera). Loading it here surfaces the loader's own
 * explanation (docs/native.md) when the addon is missing, instead of a slow fallback.
 */
export function loadJpegEncoder(): JpegEncoder {
  // One tiny encode proves the addon itself loads, not just its loader module.
  encodeJpeg(new Uint8Array(8 * 8 * 4), 8, 8, 80);
  return { encode: encodeJpeg, detail: 'libjpeg-turbo (native addon)' };
}
