import { logger } from '../../log.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import { CameraInput, type CameraFeed } from './camera-input.js';
import { ControlScene } from './control-scene.js';
import { ObsBridge, type BridgePart } from './obs-bridge.js';
import { StateMirror, validateSceneToPreset } from './state-mirror.js';
import { VirtualcamControl } from './virtualcam-control.js';

const log = logger('obs-bridge');
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export { ObsBridge, type BridgeState } from './obs-bridge.js';
export { CAMERA_INPUT_NAME, CameraInput } from './camera-input.js';
export { CONTROL_SCENE_NAME, ControlScene } from './control-scene.js';
export { EVENT_ACTION_KEY, StateMirror } from './state-mirror.js';
export { VirtualcamControl } from './virtualcam-control.js';
export { OWNER_KEY, OWNER_VALUE, ROLE_KEY } from './ownership.js';

export interface StartObsBridgeOptions {
  controller: PipelineController;
  /** ws://HOST:PORT of OBS's WebSocket server (OBS: Tools > WebSocket Server Settings). */
  url: string;
  password?: string;
  /** Scene to show the camera in; default: the current program scene when it is first added. */
  scene?: string;
  /** Start OBS's own virtual camera while facemat-cam runs. */
  virtualcam?: boolean;
  /** OBS scene name -> facemat preset name, applied when OBS switches scenes. */
  sceneToPreset?: Record<string, string>;
  /** Our v4l2loopback node, when we write one: OBS then reads it with a v4l2_input. */
  v4l2Device?: string;
  /** Keep the "FaceMat Controls" scene whose items OBS hotkeys can show/hide (default true). */
  controls?: boolean;
  /** Port of the local stream OBS reads when there is no v4l2 node (default: a free one). */
  streamPort?: number;
}

/** The parts of a running bridge, for callers and tests that want to watch them. */
export interface ObsBridgeParts {
  camera: CameraInput;
  controls: ControlScene | null;
  mirror: StateMirror;
  virtualcam: VirtualcamControl | null;
}

/**
 * Connects facemat-cam to OBS and keeps it connected; resolves after the first attempt (OBS
 * need not be running yet). Bad options (URL, preset names) reject at once. close() stops
 * OBS's virtual camera if we started it, disconnects, and stops serving the stream.
 */
export async function startObsBridge(options: StartObsBridgeOptions): Promise<ObsBridge & { parts: ObsBridgeParts }> {
  const url = validateObsUrl(options.url);
  const mirror = new StateMirror(options.controller, validateSceneToPreset(options.sceneToPreset ?? {}));
  let feed: CameraFeed;
  if (options.v4l2Device) {
    feed = { kind: 'v4l2', device: options.v4l2Device };
  } else {
    const sink = await options.controller.attachNetworkStream({ port: options.streamPort });
    feed = { kind: 'stream', sink };
    const host = new URL(url).hostname;
    if (!LOOPBACK_HOSTS.has(host)) {
      log.warn(
        `OBS at ${host} reads the camera from ${sink.url}, which only this machine can reach: ` +
          'run facemat-cam on the OBS machine, or give OBS a v4l2loopback node (--v4l2 output).',
      );
    }
  }
  const parts: ObsBridgeParts = {
    camera: new CameraInput({ feed, scene: options.scene, controller: options.controller }),
    controls: options.controls === false ? null : new ControlScene(options.controller),
    mirror,
    virtualcam: options.virtualcam ? new VirtualcamControl() : null,
  };
  const ordered = [parts.camera, parts.controls, parts.mirror, parts.virtualcam].filter((p): p is NonNullable<typeof p> => p !== null) as BridgePart[];
  const bridge = Object.assign(new ObsBridge({ url, password: options.password, parts: ordered }), { parts });
  await bridge.start();
  return bridge;
}

/** Accepts ws://HOST:PORT (or wss://); throws a message that says what is expected. */
export function validateObsUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`--obs expects a WebSocket URL such as ws://127.0.0.1:4455, got "${raw}"`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new Error(`--obs expects a ws:// or wss:// URL such as ws://127.0.0.1:4455, got "${raw}"`);
  }
  return raw;
}
