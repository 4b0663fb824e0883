import type { FrameSource } from '../pipeline/source/frame-source.js';
import type { FrameSink } from '../pipeline/sink/frame-sink.js';
import { SyntheticSource } from '../pipeline/source/synthetic-source.js';
import { FileSource } from '../pipeline/source/file-source.js';
import { NullSink } from '../pipeline/sink/null-sink.js';
import { EncoderSink } from '../pipeline/sink/encoder-sink.js';
import { createPreviewSink } from '../pipeline/sink/preview-sink.js';

/**
 * `--source` value -> the source stage; v4l2 sources are made by the caller (they need the addon).
 * The CLI has checked every spec (cli/run-options.ts): an unknown one here is a programming error.
 */
export function createSource(spec: string, options: { loop: boolean; paced?: boolean }): FrameSource | { v4l2: string } {
  if (spec === 'synthetic') return new SyntheticSource(options.paced ?? true);
  if (spec.startsWith('file:')) return new FileSource(spec.slice(5), { loop: options.loop, paced: options.paced });
  if (spec.startsWith('v4l2:')) return { v4l2: spec.slice(5) };
  throw new RangeError(`unknown source "${spec}"`);
}

/** `--sink` value -> the sink stage; v4l2 sinks are the virtual camera, made by the caller. */
export function createSink(spec: string): FrameSink | { v4l2: string } {
  if (spec === 'null') return new NullSink();
  if (spec.startsWith('y4m:')) return new EncoderSink('y4m', spec.slice(4));
  if (spec.startsWith('mp4:')) return new EncoderSink('mp4', spec.slice(4));
  if (spec.startsWith('preview:')) return createPreviewSink(Number(spec.slice(8)));
  if (spec.startsWith('v4l2:')) return { v4l2: spec.slice(5) };
  throw new RangeError(`unknown sink "${spec}"`);
}
