import type { FrameSink } from './frame-sink.js';

/** Discards frames; for benchmarks and for running only the control surfaces. */
export class NullSink implements FrameSink {
  readonly description = 'null';
  async open(): Promise<void> {}
  async write(): Promise<void> {}
  hasConsumers(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}
