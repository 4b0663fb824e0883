import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';
import type { MjpegStream } from './mjpeg-stream.js';

/**
 * A FrameSink that feeds an MjpegStream: what controller.attachPreview() attaches to the
 * scheduler's fan-out for the web panel's live preview.
 */
export class MjpegSink implements FrameSink {
  constructor(
    readonly description: string,
    private readonly stream: MjpegStream,
  ) {}

  async open(_format: VideoFormat): Promise<void> {}

  async write(frame: OutputFrame): Promise<void> {
    this.stream.offer(frame);
  }

  hasConsumers(): boolean {
    return this.stream.hasConsumers();
  }

  async close(): Promise<void> {
    this.stream.close();
  }
}
