import type { VideoFormat } from '../../../src/pipeline/frame.js';
import type { FrameSink } from '../../../src/pipeline/sink/frame-sink.js';
import type { SinkAttachment } from '../../../src/pipeline/scheduler/sink-fanout.js';
import type { VirtualCamera } from '../../../src/pipeline/sink/virtual-camera.js';

/**
 * A virtual camera whose output is any FrameSink (a y4m file, a recording sink) instead of a
 * v4l2loopback node, which this machine does not have. start() opens the sink and attaches it to
 * the running pipeline, stop() detaches and closes it: the same life cycle as the v4l2 camera.
 */
export class SinkVirtualCamera implements VirtualCamera {
  readonly available = true;
  active = false;
  starts = 0;
  stops = 0;
  private sinks: SinkAttachment | null = null;

  constructor(
    private readonly sink: FrameSink,
    private readonly format: VideoFormat,
  ) {}

  get detail(): string {
    return this.sink.description;
  }

  /** The pipeline's fan-out; given after construction, as the fixture builds it beside the camera. */
  bind(sinks: SinkAttachment): void {
    this.sinks = sinks;
  }

  async start(): Promise<void> {
    await this.sink.open(this.format);
    this.sinks!.attach(this.sink);
    this.active = true;
    this.starts++;
  }

  async stop(): Promise<void> {
    this.sinks!.detach(this.sink);
    await this.sink.close();
    this.active = false;
    this.stops++;
  }
}
