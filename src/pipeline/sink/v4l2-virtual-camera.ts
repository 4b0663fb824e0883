import type { Logger } from '../../log.js';
import { logger } from '../../log.js';
import type { NativeBinding } from '../../native/binding.js';
import { devicePath, pickLoopback } from '../../native/device-selection.js';
import { loadNative } from '../../native/loader.js';
import { MODPROBE_LINE } from '../../native/loopback-setup.js';
import type { VirtualCamera } from './virtual-camera.js';
import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';
import type { V4l2SinkOptions } from './v4l2-sink.js';
import { V4l2Sink } from './v4l2-sink.js';
import { errorMessage } from '../../util/error-message.js';

export interface VirtualCameraOptions extends V4l2SinkOptions {
  /** A loopback node (`v4l2:/dev/video10` or `/dev/video10`); none finds one. */
  device?: string;
  /** Start writing as soon as the pipeline opens its sinks (default true). */
  autoStart?: boolean;
  /**
   * The user asked for this output (`--sink v4l2:...`): a missing or unusable device fails the
   * pipeline's start with the reason and the fix, instead of leaving the camera stopped.
   */
  required?: boolean;
}

/** The fix for a node that is not a virtual camera. */
const MAKE_ONE = '`facemat devices` lists the virtual camera nodes, `facemat camera load` makes one';

/** How long a "no device" answer is trusted before the nodes are looked at again. */
const PROBE_TTL_MS = 2000;

/**
 * The virtual camera as the control surfaces see it (start/stop, available, detail) and, at the
 * same time, one of the pipeline's sinks: the scheduler writes every frame to it, and it
 * forwards them to a V4l2Sink while started. Stopped, it drops frames and reports no consumers.
 * It never fails the pipeline: a missing or busy device leaves it unavailable or stopped, with
 * the reason in `detail`.
 */
export class V4l2VirtualCamera implements VirtualCamera, FrameSink {
  readonly description = 'virtual camera (v4l2loopback)';
  private sink: V4l2Sink | null = null;
  private format: VideoFormat | null = null;
  private probe: { available: boolean; detail: string; at: number } | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly options: VirtualCameraOptions,
    private readonly log: Logger,
    private readonly native: () => NativeBinding,
  ) {}

  get available(): boolean {
    return this.sink !== null || this.look().available;
  }

  get active(): boolean {
    return this.sink !== null;
  }

  get detail(): string {
    if (this.sink) {
      const stats = this.sink.stats();
      const readers = stats.readers < 0 ? 'readers unknown' : `${stats.readers} reader${stats.readers === 1 ? '' : 's'}`;
      return `${this.sink.devicePath} (${readers})`;
    }
    const probe = this.look();
    return this.lastError ? `${probe.detail}; ${this.lastError}` : probe.detail;
  }

  async start(): Promise<void> {
    if (this.sink) return;
    if (!this.format) throw new Error('the virtual camera starts once the pipeline runs');
    const sink = new V4l2Sink(this.options.device, this.options, this.log, this.native);
    try {
      await sink.open(this.format);
    } catch (err) {
      this.lastError = `start failed: ${errorMessage(err)}`;
      this.probe = null;
      throw err;
    }
    this.lastError = null;
    this.sink = sink;
  }

  /** Throws, with the reason and the fix, when no usable loopback node is there now. */
  checkUsable(): void {
    const probe = this.look();
    if (!probe.available) throw new Error(`cannot use the virtual camera: ${probe.detail}`);
  }

  async stop(): Promise<void> {
    const sink = this.sink;
    this.sink = null;
    this.probe = null;
    await sink?.close();
  }

  // FrameSink

  async open(format: VideoFormat): Promise<void> {
    this.format = { ...format };
    if (this.sink) {
      await this.stop();
      await this.start();
      return;
    }
    if (this.options.autoStart === false) return;
    if (this.options.required) this.checkUsable();
    if (!this.look().available) return;
    try {
      await this.start();
    } catch (err) {
      const message = errorMessage(err);
      if (this.options.required) throw new Error(`cannot use the virtual camera: ${message} (see \`facemat doctor\`)`);
      this.log.warn(`virtual camera not started: ${message}`);
    }
  }

  async write(frame: OutputFrame): Promise<void> {
    if (!this.sink) return;
    try {
      await this.sink.write(frame);
    } catch (err) {
      // The device went away (module unloaded, node removed): stop rather than fail every frame.
      const message = errorMessage(err);
      this.log.warn(`virtual camera stopped: ${message}`);
      await this.stop();
      this.lastError = `stopped after an error: ${message}`;
    }
  }

  hasConsumers(): boolean {
    return this.sink !== null && this.sink.hasConsumers();
  }

  async close(): Promise<void> {
    await this.stop();
    this.format = null;
  }

  /** Whether a loopback node can be used, looked up at most every PROBE_TTL_MS. */
  private look(): { available: boolean; detail: string } {
    const now = performance.now();
    if (this.probe && now - this.probe.at < PROBE_TTL_MS) return this.probe;
    this.probe = { ...this.find(), at: now };
    return this.probe;
  }

  private find(): { available: boolean; detail: string } {
    let native: NativeBinding;
    try {
      native = this.native();
    } catch (err) {
      return { available: false, detail: errorMessage(err) };
    }
    const wanted = devicePath(this.options.device);
    if (wanted) {
      const device = native.describeDevice(wanted);
      if (device.error) return { available: false, detail: `${device.error}; \`facemat camera load\` makes a virtual camera` };
      if (!device.caps.includes('video-output')) {
        const why = device.driver === 'v4l2 loopback'
          ? 'another program is writing to it'
          : `it is a ${device.caps.includes('video-capture') ? 'camera' : 'device'} (${device.driver}), not a v4l2loopback node; ${MAKE_ONE}`;
        return { available: false, detail: `${wanted} (${device.card}) is not a free video output: ${why}` };
      }
      return { available: true, detail: `${wanted} (${device.card})` };
    }
    const choice = pickLoopback(native.listDevices());
    if (!choice.device) return { available: false, detail: `${choice.reason}; run \`facemat camera load\` (or ${MODPROBE_LINE})` };
    return { available: true, detail: `${choice.device.path} (${choice.device.card})` };
  }
}

/**
 * The v4l2loopback virtual camera for PipelineController and the scheduler's sinks (pass the
 * same object to both). `native` is for tests (the addon built with the kernel double).
 */
export function createVirtualCamera(
  options: VirtualCameraOptions = {},
  log: Logger = logger('virtualcam'),
  native: () => NativeBinding = loadNative,
): V4l2VirtualCamera {
  return new V4l2VirtualCamera(options, log, native);
}
