import type { Frame, Matte, OutputFrame, VideoFormat } from '../frame.js';
import type { FilterInstance } from '../filter-settings/filter-catalogue.js';

/**
 * Stage 3: filters applied to the face through the matte,
 * out = filter(frame) * alpha + frame * (1 - alpha). Runs synchronously on the main thread (GL).
 */
export interface Compositor {
  readonly description: string;
  open(format: VideoFormat): Promise<void>;
  /**
   * Composites `frame` with `matte` (null or empty: the frame passes through unchanged, apart from
   * debug views) through the enabled filters of `chain`, in order, into a reused output buffer.
   */
  composite(frame: Frame, matte: Matte | null, chain: readonly FilterInstance[]): OutputFrame;
  close(): Promise<void>;
}
