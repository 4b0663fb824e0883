import { createHash } from 'node:crypto';
import { cpus, homedir } from 'node:os';
import { statfsSync } from 'node:fs';
import { ACTIONS, type ActionName } from '../../pipeline/controller/commands.js';
import { FILTER_NAMES, isFilterName, type FilterInstance, type FilterName } from '../../pipeline/filter-settings/filter-catalogue.js';
import type { PipelineController, PipelineState } from '../../pipeline/controller/pipeline-controller.js';
import { RequestStatus, type OutputState } from './protocol.js';
import type { ObsRequest } from './obs-request.js';
import { RequestError } from './request-error.js';

/** The one input every scene shows: the camera, with our face filters as its source filters. */
export const INPUT_NAME = 'FaceMat Camera';
export const INPUT_KIND = 'facemat_camera';
/** OBS_SOURCE_VIDEO | OBS_SOURCE_ASYNC: a video source fed asynchronously, like a webcam. */
export const INPUT_KIND_CAPS = 0b101;
export const VIRTUALCAM_OUTPUT_NAME = 'virtualcam_output';
export const VIRTUALCAM_OUTPUT_KIND = 'virtualcam_output';
/** Switching presets is immediate, which is OBS's fixed "Cut" transition. */
export const TRANSITION_NAME = 'Cut';
export const TRANSITION_KIND = 'cut_transition';
export const PROFILE_NAME = 'facemat-cam';
export const SCENE_COLLECTION_NAME = 'facemat-cam presets';
/** The camera is the only item of each scene. */
export const SCENE_ITEM_ID = 1;

export type ObsSource =
  | { type: 'input'; name: string; uuid: string }
  | { type: 'scene'; name: string; uuid: string };

/** A type literal rather than an interface, so it fits the protocol types' JSON objects. */
export type ObsFilter = {
  filterName: string;
  filterIndex: number;
  filterKind: string;
  filterEnabled: boolean;
  filterSettings: Record<string, number | string>;
};

/**
 * Maps the pipeline controller's state onto OBS's concepts, on every read (it keeps no copy of
 * filters, presets or outputs): one scene per preset, the active preset as the program scene,
 * one input whose source filters are our filters, the virtual camera as an output, our actions
 * as hotkeys. UUIDs are derived from names so they stay the same across restarts, which lets a
 * controller keep the buttons it stored.
 */
export class ObsStateModel {
  readonly inputUuid = stableUuid('input', INPUT_NAME);
  readonly transitionUuid = stableUuid('transition', TRANSITION_NAME);
  private virtualcamSince: number | null;
  private cpuSample = { usage: process.cpuUsage(), at: performance.now() };
  private readonly onVirtualcam = ({ active }: { active: boolean }) => {
    this.virtualcamSince = active ? performance.now() : null;
  };

  constructor(readonly controller: PipelineController) {
    this.virtualcamSince = controller.state().virtualcam.active ? performance.now() : null;
    controller.on('virtualcam', this.onVirtualcam);
  }

  dispose(): void {
    this.controller.off('virtualcam', this.onVirtualcam);
  }

  state(): PipelineState {
    return this.controller.state();
  }

  sceneUuid(preset: string): string {
    return stableUuid('scene', preset);
  }

  /** In obs-websocket's order: reversed from the UI, so sceneIndex 0 is the bottom scene. */
  sceneList(): Array<{ sceneIndex: number; sceneName: string; sceneUuid: string }> {
    const presets = this.state().presets;
    return presets
      .map((name, i) => ({ sceneIndex: presets.length - 1 - i, sceneName: name, sceneUuid: this.sceneUuid(name) }))
      .reverse();
  }

  programScene(): { name: string; uuid: string } {
    const name = this.state().preset;
    return { name, uuid: this.sceneUuid(name) };
  }

  /** Every source a request can name: the input and the scenes. */
  sources(): ObsSource[] {
    return [
      { type: 'input', name: INPUT_NAME, uuid: this.inputUuid },
      ...this.state().presets.map((name): ObsSource => ({ type: 'scene', name, uuid: this.sceneUuid(name) })),
    ];
  }

  /** The real server's AcquireSource: by UUID first, else by name; same errors. */
  findSource(request: ObsRequest, nameKey: string, uuidKey: string): ObsSource {
    if (request.contains(uuidKey)) {
      const uuid = request.optionalString(uuidKey);
      const source = this.sources().find((s) => s.uuid === uuid);
      if (!source) throw new RequestError(RequestStatus.ResourceNotFound, `No source was found by the UUID of \`${uuid}\`.`);
      return source;
    }
    if (request.contains(nameKey)) {
      const name = request.optionalString(nameKey);
      const source = this.sources().find((s) => s.name === name);
      if (!source) throw new RequestError(RequestStatus.ResourceNotFound, `No source was found by the name of \`${name}\`.`);
      return source;
    }
    throw new RequestError(
      RequestStatus.MissingRequestField,
      `Your request must contain at least one of the following fields: \`${nameKey}\` or \`${uuidKey}\`.`,
    );
  }

  findScene(request: ObsRequest): ObsSource {
    const source = this.findSource(request, 'sceneName', 'sceneUuid');
    if (source.type !== 'scene') throw new RequestError(RequestStatus.InvalidResourceType, 'The specified source is not a scene.');
    return source;
  }

  findInput(request: ObsRequest): ObsSource {
    const source = this.findSource(request, 'inputName', 'inputUuid');
    if (source.type !== 'input') throw new RequestError(RequestStatus.InvalidResourceType, 'The specified source is not an input.');
    return source;
  }

  filterKind(name: FilterName): string {
    return `facemat_${name}_filter`;
  }

  filterKinds(): string[] {
    return FILTER_NAMES.map((n) => this.filterKind(n));
  }

  filterForKind(kind: string): FilterName | null {
    return FILTER_NAMES.find((n) => this.filterKind(n) === kind) ?? null;
  }

  /** The source filters of `source`: our chain for the camera, none for a scene. */
  filterList(source: ObsSource = { type: 'input', name: INPUT_NAME, uuid: this.inputUuid }): ObsFilter[] {
    if (source.type !== 'input') return [];
    return this.state().filters.map((f, i) => this.filterObject(f, i));
  }

  filterObject(f: FilterInstance, index: number): ObsFilter {
    return {
      filterName: f.name,
      filterIndex: index,
      filterKind: this.filterKind(f.name),
      filterEnabled: f.enabled,
      filterSettings: { ...f.settings },
    };
  }

  /** The real server's AcquireFilter: the source, then `filterName` on it. */
  findFilter(request: ObsRequest): { source: ObsSource; filter: ObsFilter; name: FilterName } {
    const source = this.findSource(request, 'sourceName', 'sourceUuid');
    const filterName = request.string('filterName');
    const filter = this.filterList(source).find((f) => f.filterName === filterName);
    if (!filter || !isFilterName(filterName)) {
      throw new RequestError(
        RequestStatus.ResourceNotFound,
        `No filter was found in the source \`${source.name}\` with the name \`${filterName}\`.`,
      );
    }
    return { source, filter, name: filterName };
  }

  videoSize(): { width: number; height: number } {
    const { width, height } = this.state().info.format;
    return { width, height };
  }

  /** The frame rate as OBS's fraction; 0 fps (no pipeline running) reads as 0/1. */
  fps(): { fpsNumerator: number; fpsDenominator: number } {
    const fps = this.state().info.format.fps;
    if (!(fps > 0)) return { fpsNumerator: 0, fpsDenominator: 1 };
    if (Number.isInteger(fps)) return { fpsNumerator: fps, fpsDenominator: 1 };
    const ntsc = Math.round(fps * 1.001);
    if (Math.abs((ntsc * 1000) / 1001 - fps) < 0.005) return { fpsNumerator: ntsc * 1000, fpsDenominator: 1001 };
    return { fpsNumerator: Math.round(fps * 1000), fpsDenominator: 1000 };
  }

  /** Milliseconds between frames at the pipeline's rate (30 fps when nothing runs yet). */
  frameIntervalMs(): number {
    const fps = this.state().info.format.fps;
    return 1000 / (fps > 0 ? fps : 30);
  }

  sceneItem() {
    return {
      sceneItemId: SCENE_ITEM_ID,
      sceneItemIndex: 0,
      sceneItemEnabled: true,
      // Nothing can move or resize the camera in our scenes, which is what OBS calls locked.
      sceneItemLocked: true,
      sceneItemTransform: this.sceneItemTransform(),
      sceneItemBlendMode: 'OBS_BLEND_NORMAL' as const,
      sourceName: INPUT_NAME,
      sourceUuid: this.inputUuid,
      sourceType: 'OBS_SOURCE_TYPE_INPUT',
      inputKind: INPUT_KIND,
      isGroup: null,
    };
  }

  sceneItemTransform(): Record<string, number | string | boolean> {
    const { width, height } = this.videoSize();
    return {
      alignment: 5,
      boundsAlignment: 0,
      boundsHeight: 0,
      boundsType: 'OBS_BOUNDS_NONE',
      boundsWidth: 0,
      cropBottom: 0,
      cropLeft: 0,
      cropRight: 0,
      cropToBounds: false,
      cropTop: 0,
      height,
      positionX: 0,
      positionY: 0,
      rotation: 0,
      scaleX: 1,
      scaleY: 1,
      sourceHeight: height,
      sourceWidth: width,
      width,
    };
  }

  /** The camera shows whenever it is not paused; it is in every scene, so also in program. */
  inputActive(): boolean {
    return !this.state().paused;
  }

  virtualcamActive(): boolean {
    return this.state().virtualcam.active;
  }

  virtualcamOutput() {
    const { width, height } = this.videoSize();
    return {
      outputName: VIRTUALCAM_OUTPUT_NAME,
      outputKind: VIRTUALCAM_OUTPUT_KIND,
      outputWidth: width,
      outputHeight: height,
      outputActive: this.virtualcamActive(),
      outputFlags: {
        OBS_OUTPUT_AUDIO: false,
        OBS_OUTPUT_VIDEO: true,
        OBS_OUTPUT_ENCODED: false,
        OBS_OUTPUT_MULTI_TRACK: false,
        OBS_OUTPUT_SERVICE: false,
      },
    };
  }

  /** GetOutputStatus for the virtual camera; duration counts from when this server saw it start. */
  virtualcamStatus(): {
    outputActive: boolean;
    outputReconnecting: boolean;
    outputTimecode: string;
    outputDuration: number;
    outputCongestion: number;
    outputBytes: number;
    outputSkippedFrames: number;
    outputTotalFrames: number;
  } {
    const active = this.virtualcamActive();
    const duration = active && this.virtualcamSince !== null ? Math.round(performance.now() - this.virtualcamSince) : 0;
    const metrics = this.controller.metrics();
    return {
      outputActive: active,
      outputReconnecting: false,
      outputTimecode: timecode(duration),
      outputDuration: duration,
      outputCongestion: 0,
      outputBytes: 0,
      outputSkippedFrames: active && metrics ? metrics.dropped.sink : 0,
      outputTotalFrames: active && metrics ? metrics.frames.output : 0,
    };
  }

  virtualcamState(active: boolean): OutputState {
    return active ? 'OBS_WEBSOCKET_OUTPUT_STARTED' : 'OBS_WEBSOCKET_OUTPUT_STOPPED';
  }

  hotkeyNames(): ActionName[] {
    return Object.keys(ACTIONS) as ActionName[];
  }

  /**
   * GetStats from the pipeline's metrics: frames the pipeline took in are "rendered", frames
   * dropped before the compositor are render skips, frames handed to the sinks are output
   * frames and frames a slow sink dropped are output skips. CPU is this process's share of all
   * cores since the previous GetStats; disk space is that of the home directory.
   */
  stats(session: { incomingMessages: number; outgoingMessages: number }): {
    cpuUsage: number;
    memoryUsage: number;
    availableDiskSpace: number;
    activeFps: number;
    averageFrameRenderTime: number;
    renderSkippedFrames: number;
    renderTotalFrames: number;
    outputSkippedFrames: number;
    outputTotalFrames: number;
    webSocketSessionIncomingMessages: number;
    webSocketSessionOutgoingMessages: number;
  } {
    const m = this.controller.metrics();
    return {
      cpuUsage: this.cpuPercent(),
      memoryUsage: process.memoryUsage.rss() / (1024 * 1024),
      availableDiskSpace: availableDiskMiB(),
      activeFps: m ? m.videoFps : 0,
      averageFrameRenderTime: m ? m.latencyMs.composite.mean : 0,
      renderSkippedFrames: m ? m.dropped.capture + m.dropped.matte : 0,
      renderTotalFrames: m ? m.frames.captured : 0,
      outputSkippedFrames: m ? m.dropped.sink : 0,
      outputTotalFrames: m ? m.frames.output : 0,
      webSocketSessionIncomingMessages: session.incomingMessages,
      webSocketSessionOutgoingMessages: session.outgoingMessages,
    };
  }

  private cpuPercent(): number {
    const now = performance.now();
    const usage = process.cpuUsage();
    const usedUs = usage.user - this.cpuSample.usage.user + (usage.system - this.cpuSample.usage.system);
    const elapsedUs = (now - this.cpuSample.at) * 1000;
    this.cpuSample = { usage, at: now };
    if (elapsedUs <= 0) return 0;
    return (100 * usedUs) / elapsedUs / Math.max(1, cpus().length);
  }
}

/** A name-based UUID (the v5 layout over SHA-1), the same for the same name on every run. */
function stableUuid(kind: string, name: string): string {
  const h = createHash('sha1').update(`facemat-cam:${kind}:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** OBS's output timecode, HH:MM:SS.mmm. */
export function timecode(ms: number): string {
  const pad = (n: number, w = 2) => String(Math.floor(n)).padStart(w, '0');
  return `${pad(ms / 3_600_000)}:${pad((ms / 60_000) % 60)}:${pad((ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

function availableDiskMiB(): number {
  try {
    const s = statfsSync(homedir());
    return (s.bavail * s.bsize) / (1024 * 1024);
  } catch {
    return 0;
  }
}
