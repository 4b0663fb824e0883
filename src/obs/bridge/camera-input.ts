import { EventEmitter } from 'node:events';
import { logger } from '../../log.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import type { NetworkStreamSink } from '../../pipeline/sink/network-stream-sink.js';
import type { BridgePart } from './obs-bridge.js';
import type { ObsSession } from './obs-session.js';
import { findOwnedInputs, freeName, inputNames, ownershipMark, type JsonSettings, type OwnedInput } from './ownership.js';
import { ensureScene, findSceneItem, fitToCanvas, removeInput, scenesShowing } from './scene-placement.js';

const log = logger('obs-bridge');

export const CAMERA_INPUT_NAME = 'FaceMat Camera';
const CAMERA_ROLE = 'camera';

/** Where OBS gets our video: our v4l2loopback node, or the raw stream we serve on 127.0.0.1. */
export type CameraFeed = { kind: 'v4l2'; device: string } | { kind: 'stream'; sink: NetworkStreamSink };

export interface CameraInputOptions {
  feed: CameraFeed;
  /** Scene to show the camera in; default: the current program scene when the input is made. */
  scene?: string;
  /** The stream sink is attached to (and on close detached from) this controller. */
  controller: PipelineController;
}

export interface CameraPlacement {
  inputName: string;
  sceneName: string | null;
  created: boolean;
}

interface CameraInputEvents {
  /** The input exists and shows our feed (after each connect, and after a format change). */
  ready: [CameraPlacement];
}

/**
 * The "FaceMat Camera" input in OBS. On each connection it finds the input it made before (by
 * the ownership mark, see ownership.ts), points it at the current feed, and only when there is
 * none creates one, so reconnects never duplicate it. A stream feed is an ffmpeg_source reading
 * raw RGBA over TCP; a v4l2 feed is a v4l2_input on our loopback node.
 */
export class CameraInput extends EventEmitter<CameraInputEvents> implements BridgePart {
  readonly name = 'FaceMat Camera input';
  private session: ObsSession | null = null;
  private inputName: string | null = null;
  private removedByUser = false;
  /** Placing and updating run one at a time, so two of them never both create the input. */
  private work: Promise<void> = Promise.resolve();
  private readonly onFormat = () => void this.serially(() => this.refreshSettings());

  constructor(private readonly options: CameraInputOptions) {
    super();
    if (options.feed.kind === 'stream') options.feed.sink.on('format', this.onFormat);
  }

  /** The OBS input kind this feed needs. */
  get inputKind(): 'v4l2_input' | 'ffmpeg_source' {
    return this.options.feed.kind === 'v4l2' ? 'v4l2_input' : 'ffmpeg_source';
  }

  /** The name our input has in OBS, or null before the first connection. */
  get currentName(): string | null {
    return this.inputName;
  }

  async attach(session: ObsSession): Promise<void> {
    this.session = session;
    this.removedByUser = false;
    session.on('InputNameChanged', (e) => {
      if (e.oldInputName === this.inputName) this.inputName = e.inputName;
    });
    session.on('InputRemoved', (e) => {
      if (e.inputName !== this.inputName) return;
      this.removedByUser = true;
      log.info(`"${e.inputName}" was removed in OBS; facemat-cam adds it again the next time it connects to OBS`);
    });
    session.on('CurrentSceneCollectionChanged', () => void this.serially(() => this.placeAfterCollectionChange(session)));
    if (this.options.feed.kind === 'stream' && !this.options.feed.sink.format) {
      log.info('waiting for the first frame to learn the stream size before adding the OBS input');
      return; // the sink's 'format' event runs refreshSettings(), which places the input
    }
    await this.serially(() => this.place(session));
  }

  private serially(job: () => Promise<void>): Promise<void> {
    const run = this.work.then(job);
    this.work = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    this.session = null;
    const feed = this.options.feed;
    if (feed.kind !== 'stream') return;
    feed.sink.off('format', this.onFormat);
    await this.options.controller.detachNetworkStream(feed.sink);
  }

  /** The settings our input must have for the current feed, mark included. */
  desiredSettings(): JsonSettings {
    const feed = this.options.feed;
    if (feed.kind === 'v4l2') {
      return {
        ...ownershipMark(CAMERA_ROLE),
        device_id: feed.device,
        // No buffering: show each frame as it arrives. Auto-reset reopens the node when our
        // writer restarts (v4l2loopback with exclusive_caps hides it while nobody writes).
        buffering: false,
        auto_reset: true,
        timeout_frames: 10,
      };
    }
    const ffmpegOptions = feed.sink.ffmpegInputOptions();
    return {
      ...ownershipMark(CAMERA_ROLE),
      is_local_file: false,
      input: feed.sink.url,
      input_format: 'rawvideo',
      ffmpeg_options: Object.entries(ffmpegOptions)
        .map(([key, value]) => `${key}=${value}`)
        .join(' '),
      // Back within a second when facemat-cam restarts; blank (not frozen) while it is away.
      reconnect_delay_sec: 1,
      clear_on_media_end: true,
      restart_on_activate: true,
      close_when_inactive: false,
      hw_decode: false,
      looping: false,
    };
  }

  /** Finds or creates the input, then makes sure a scene shows it. */
  private async place(session: ObsSession): Promise<void> {
    const settings = this.desiredSettings();
    const owned = (await findOwnedInputs(session)).filter((input) => input.role === CAMERA_ROLE);
    let existing = await this.keepOne(session, owned);
    let replacedIn: string | null = null;
    if (existing && existing.kind !== this.inputKind) {
      // Ours, but for the other feed (e.g. v4l2 last time, a stream now): replace it, in the
      // scene the user had it in.
      log.info(`replacing "${existing.name}" (${existing.kind}) with a ${this.inputKind} for the current feed`);
      replacedIn = (await scenesShowing(session, existing.name))[0] ?? null;
      await removeInput(session, existing.name);
      existing = null;
    }
    if (existing) {
      await session.call('SetInputSettings', { inputName: existing.name, inputSettings: settings, overlay: true });
      this.inputName = existing.name;
      const sceneName = await this.ensureShown(session, existing.name);
      log.info(`found "${existing.name}" in OBS from an earlier run; pointed it at ${this.describeFeed()}`);
      this.emit('ready', { inputName: existing.name, sceneName, created: false });
      return;
    }
    const sceneName = this.options.scene ?? replacedIn ?? (await session.call('GetCurrentProgramScene')).currentProgramSceneName;
    if (this.options.scene) await ensureScene(session, sceneName);
    const taken = await inputNames(session);
    const inputName = freeName(CAMERA_INPUT_NAME, taken);
    if (inputName !== CAMERA_INPUT_NAME) {
      log.warn(`OBS already has an input named "${CAMERA_INPUT_NAME}" that facemat-cam did not make; leaving it alone and using "${inputName}"`);
    }
    const { sceneItemId } = await session.call('CreateInput', {
      sceneName,
      inputName,
      inputKind: this.inputKind,
      inputSettings: settings,
      sceneItemEnabled: true,
    });
    await fitToCanvas(session, sceneName, sceneItemId);
    this.inputName = inputName;
    log.info(`added "${inputName}" (${this.inputKind}, ${this.describeFeed()}) to OBS scene "${sceneName}"`);
    this.emit('ready', { inputName, sceneName, created: true });
  }

  /** Of several inputs of ours (left by a crash mid-creation), keeps one and removes the rest. */
  private async keepOne(session: ObsSession, owned: OwnedInput[]): Promise<OwnedInput | null> {
    if (owned.length === 0) return null;
    const keep = owned.find((input) => input.kind === this.inputKind) ?? owned[0];
    for (const extra of owned) {
      if (extra === keep) continue;
      log.info(`removing duplicate "${extra.name}" that facemat-cam made earlier`);
      await removeInput(session, extra.name);
    }
    return keep;
  }

  /**
   * A named scene must show the input. Without one, the user may have moved it anywhere: leave
   * it where it is, and only when no scene shows it any more add it to the program scene.
   */
  private async ensureShown(session: ObsSession, inputName: string): Promise<string | null> {
    if (this.options.scene) {
      const sceneName = this.options.scene;
      await ensureScene(session, sceneName);
      if ((await findSceneItem(session, sceneName, inputName)) === null) {
        const { sceneItemId } = await session.call('CreateSceneItem', { sceneName, sourceName: inputName, sceneItemEnabled: true });
        await fitToCanvas(session, sceneName, sceneItemId);
        log.info(`added "${inputName}" to OBS scene "${sceneName}"`);
      }
      return sceneName;
    }
    const showing = await scenesShowing(session, inputName);
    if (showing.length > 0) return showing[0];
    const sceneName = (await session.call('GetCurrentProgramScene')).currentProgramSceneName;
    const { sceneItemId } = await session.call('CreateSceneItem', { sceneName, sourceName: inputName, sceneItemEnabled: true });
    await fitToCanvas(session, sceneName, sceneItemId);
    log.info(`no scene showed "${inputName}"; added it to the program scene "${sceneName}"`);
    return sceneName;
  }

  /** The stream's format changed (or became known): update or create the input. */
  private async refreshSettings(): Promise<void> {
    const session = this.session;
    if (!session?.isOpen || this.removedByUser) return;
    try {
      if (this.inputName) {
        await session.call('SetInputSettings', { inputName: this.inputName, inputSettings: this.desiredSettings(), overlay: true });
        const format = this.options.feed.kind === 'stream' ? this.options.feed.sink.format : null;
        log.info(`updated "${this.inputName}" for the new stream format ${format?.width}x${format?.height}@${format?.fps}`);
        this.emit('ready', { inputName: this.inputName, sceneName: null, created: false });
      } else {
        await this.place(session);
      }
    } catch (err) {
      if (session.isOpen) log.error(`${this.name}: ${(err as Error).message}`);
    }
  }

  private async placeAfterCollectionChange(session: ObsSession): Promise<void> {
    this.inputName = null;
    try {
      await this.place(session);
    } catch (err) {
      if (session.isOpen) log.error(`${this.name}: ${(err as Error).message}`);
    }
  }

  private describeFeed(): string {
    const feed = this.options.feed;
    return feed.kind === 'v4l2' ? feed.device : feed.sink.url;
  }
}
