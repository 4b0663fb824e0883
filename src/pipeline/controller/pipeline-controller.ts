import { EventEmitter } from 'node:events';
import type { VideoFormat } from '../frame.js';
import type { MetricsSnapshot } from '../scheduler/metrics.js';
import { SinkFanout, type SinkAttachment } from '../scheduler/sink-fanout.js';
import type { VirtualCamera } from '../sink/virtual-camera.js';
import { MjpegSink } from '../sink/mjpeg-sink.js';
import { MjpegStream, type MjpegStreamOptions } from '../sink/mjpeg-stream.js';
import { loadJpegEncoder } from '../sink/jpeg-encoder.js';
import { NetworkStreamSink, type NetworkStreamSinkOptions } from '../sink/network-stream-sink.js';
import { Command, CommandError } from './commands.js';
import {
  FILTER_NAMES,
  FilterInstance,
  FilterName,
  FilterSettings,
  SettingsError,
  isFilterName,
  validateSettings,
} from '../filter-settings/filter-catalogue.js';
import { completeChain, chainForPreset } from '../filter-settings/filter-chain.js';
import { PRESETS, Preset } from '../filter-settings/presets.js';

export interface PipelineInfo {
  source: string;
  sinks: string[];
  format: VideoFormat;
  model: string;
  provider: string;
}

export interface PipelineState {
  filters: FilterInstance[];
  preset: string;
  presets: string[];
  paused: boolean;
  virtualcam: { available: boolean; active: boolean; detail: string };
  info: PipelineInfo;
}

/** Who caused a change: events carry it so a surface can tell its own changes from others'. */
export type Origin = 'cli' | 'obs-websocket' | 'http' | 'web' | 'hotkey' | 'obs-bridge' | 'internal';

export interface ControllerEvents {
  'filter-enabled': [{ name: FilterName; enabled: boolean; origin: Origin }];
  'filter-settings': [{ name: FilterName; settings: FilterSettings; origin: Origin }];
  'filter-order': [{ order: FilterName[]; origin: Origin }];
  preset: [{ name: string; origin: Origin }];
  paused: [{ paused: boolean; origin: Origin }];
  virtualcam: [{ active: boolean; origin: Origin }];
  /** Any of the above; for surfaces that just resend the whole state. */
  change: [{ origin: Origin }];
}

/** A live MJPEG preview of the output (the web panel's): clients get JPEGs, never frames. */
export interface Preview {
  readonly stream: MjpegStream;
  /** Stops feeding it and ends its clients' streams. */
  close(): void;
}

export interface PipelineControllerOptions {
  chain: FilterInstance[];
  preset: string;
  virtualCamera?: VirtualCamera;
  /** Where previews and streams are attached: the scheduler's fan-out (default: a detached one). */
  sinks?: SinkAttachment;
  /** What is running, for state().info. */
  info?: () => PipelineInfo;
  metrics?: () => MetricsSnapshot | null;
}

const NO_VIRTUAL_CAMERA: VirtualCamera = {
  available: false,
  active: false,
  detail: 'no virtual camera configured',
  start: async () => {},
  stop: async () => {},
};

/**
 * The one command interface of a running pipeline. Control surfaces hold no state of their own
 * about filters: they read state() and send execute(); the scheduler reads chain() every frame.
 * They never handle frames: a preview or a network stream is asked for here and attached to the
 * scheduler's fan-out, and the surface gets JPEGs or a URL back.
 */
export class PipelineController extends EventEmitter<ControllerEvents> {
  private filters: FilterInstance[];
  private presetName: string;
  private isPaused = false;
  private readonly virtualCamera: VirtualCamera;
  private readonly sinks: SinkAttachment;
  private readonly infoProvider: () => PipelineInfo;
  private readonly metricsProvider: () => MetricsSnapshot | null;

  constructor(options: PipelineControllerOptions) {
    super();
    this.filters = completeChain(options.chain);
    this.presetName = options.preset;
    this.virtualCamera = options.virtualCamera ?? NO_VIRTUAL_CAMERA;
    this.sinks = options.sinks ?? new SinkFanout();
    this.infoProvider =
      options.info ??
      (() => ({ source: 'none', sinks: this.sinks.descriptions(), format: { width: 0, height: 0, fps: 0 }, model: 'none', provider: 'none' }));
    this.metricsProvider = options.metrics ?? (() => null);
  }

  /** The filter chain in order; the compositor applies the enabled ones. Do not mutate. */
  chain(): readonly FilterInstance[] {
    return this.filters;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  presets(): readonly Preset[] {
    return PRESETS;
  }

  state(): PipelineState {
    return {
      filters: this.filters.map((f) => ({ name: f.name, enabled: f.enabled, settings: { ...f.settings } })),
      preset: this.presetName,
      presets: PRESETS.map((p) => p.name),
      paused: this.isPaused,
      virtualcam: {
        available: this.virtualCamera.available,
        active: this.virtualCamera.active,
        detail: this.virtualCamera.detail,
      },
      info: this.infoProvider(),
    };
  }

  metrics(): MetricsSnapshot | null {
    return this.metricsProvider();
  }

  /** Starts a live MJPEG preview of the output; close() it when its last user leaves. */
  attachPreview(options: Omit<MjpegStreamOptions, 'encoder'> = {}, name = 'preview'): Preview {
    const stream = new MjpegStream({ encoder: loadJpegEncoder(), ...options });
    const sink = new MjpegSink(name, stream);
    this.sinks.attach(sink);
    return {
      stream,
      close: () => {
        this.sinks.detach(sink);
        stream.close();
      },
    };
  }

  /**
   * Serves the output as a raw video stream on a local TCP port (the OBS bridge's media source
   * reads it). Stop it with detachNetworkStream().
   */
  async attachNetworkStream(options: NetworkStreamSinkOptions = {}): Promise<NetworkStreamSink> {
    const sink = new NetworkStreamSink(options);
    await sink.open(this.infoProvider().format);
    this.sinks.attach(sink);
    return sink;
  }

  async detachNetworkStream(stream: NetworkStreamSink): Promise<void> {
    this.sinks.detach(stream);
    await stream.close();
  }

  /** Applies one command. Throws CommandError (with a code each surface maps) when refused. */
  async execute(command: Command, origin: Origin): Promise<void> {
    switch (command.type) {
      case 'filter.enable':
        return this.setEnabled(command.name, command.enabled, origin);
      case 'filter.toggle':
        return this.setEnabled(command.name, !this.find(command.name).enabled, origin);
      case 'filter.settings':
        return this.setSettings(command.name, command.settings, origin);
      case 'filter.move':
        return this.move(command.name, command.index, origin);
      case 'preset.select':
        return this.selectPreset(command.name, origin);
      case 'preset.next':
      case 'preset.previous': {
        const i = PRESETS.findIndex((p) => p.name === this.presetName);
        const step = command.type === 'preset.next' ? 1 : -1;
        const next = PRESETS[(i + step + PRESETS.length) % PRESETS.length];
        return this.selectPreset(next.name, origin);
      }
      case 'camera.pause': {
        const paused = command.paused ?? !this.isPaused;
        if (paused === this.isPaused) return;
        this.isPaused = paused;
        this.emit('paused', { paused, origin });
        this.emit('change', { origin });
        return;
      }
      case 'virtualcam.start':
      case 'virtualcam.stop':
      case 'virtualcam.toggle':
        return this.virtualcam(command.type, origin);
    }
  }

  private find(name: string): FilterInstance {
    if (!isFilterName(name)) {
      throw new CommandError('unknown-filter', `no filter "${name}" (filters: ${FILTER_NAMES.join(', ')})`);
    }
    return this.filters.find((f) => f.name === name)!;
  }

  private setEnabled(name: FilterName, enabled: boolean, origin: Origin): void {
    const filter = this.find(name);
    if (filter.enabled === enabled) return;
    filter.enabled = enabled;
    this.emit('filter-enabled', { name, enabled, origin });
    this.emit('change', { origin });
  }

  private setSettings(name: FilterName, settings: FilterSettings, origin: Origin): void {
    const filter = this.find(name);
    let valid: FilterSettings;
    try {
      valid = validateSettings(name, settings);
    } catch (err) {
      if (err instanceof SettingsError) throw new CommandError('invalid-settings', err.message);
      throw err;
    }
    filter.settings = { ...filter.settings, ...valid };
    this.emit('filter-settings', { name, settings: { ...filter.settings }, origin });
    this.emit('change', { origin });
  }

  private move(name: FilterName, index: number, origin: Origin): void {
    const filter = this.find(name);
    if (!Number.isInteger(index) || index < 0 || index >= this.filters.length) {
      throw new CommandError('invalid-value', `index ${index} is out of range [0, ${this.filters.length - 1}]`);
    }
    const rest = this.filters.filter((f) => f !== filter);
    rest.splice(index, 0, filter);
    this.filters = rest;
    this.emit('filter-order', { order: this.filters.map((f) => f.name), origin });
    this.emit('change', { origin });
  }

  private selectPreset(name: string, origin: Origin): void {
    const preset = PRESETS.find((p) => p.name === name);
    if (!preset) {
      throw new CommandError('unknown-preset', `no preset "${name}" (presets: ${PRESETS.map((p) => p.name).join(', ')})`);
    }
    const before = new Map(this.filters.map((f) => [f.name, f.enabled]));
    this.filters = chainForPreset(preset);
    this.presetName = preset.name;
    for (const f of this.filters) {
      if (before.get(f.name) !== f.enabled) this.emit('filter-enabled', { name: f.name, enabled: f.enabled, origin });
    }
    this.emit('preset', { name: preset.name, origin });
    this.emit('change', { origin });
  }

  private async virtualcam(type: 'virtualcam.start' | 'virtualcam.stop' | 'virtualcam.toggle', origin: Origin): Promise<void> {
    const cam = this.virtualCamera;
    const start = type === 'virtualcam.toggle' ? !cam.active : type === 'virtualcam.start';
    if (!cam.available) throw new CommandError('unavailable', `virtual camera unavailable: ${cam.detail}`);
    if (start && cam.active) throw new CommandError('already-active', 'virtual camera is already running');
    if (!start && !cam.active) throw new CommandError('not-active', 'virtual camera is not running');
    if (start) await cam.start();
    else await cam.stop();
    this.emit('virtualcam', { active: cam.active, origin });
    this.emit('change', { origin });
  }
}
