import { logger } from '../../log.js';
import { ACTIONS, CommandError, type ActionName, type Command } from '../../pipeline/controller/commands.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import type { BridgePart } from './obs-bridge.js';
import type { ObsSession } from './obs-session.js';
import { findOwnedInputs, freeName, inputNames, ownershipMark, type JsonSettings, type OwnedInput } from './ownership.js';
import { ensureScene, findSceneItem, removeInput } from './scene-placement.js';

const log = logger('obs-bridge');

export const CONTROL_SCENE_NAME = 'FaceMat Controls';
const ROLE_PREFIX = 'control:';
const ROW_HEIGHT = 48;
/** Label inputs, best first: FreeType text (Linux, macOS), GDI+ text (Windows), a plain colour. */
const LABEL_KINDS = ['text_ft2_source_v2', 'text_gdiplus_v2', 'color_source_v3'] as const;

interface ControlItem {
  action: ActionName;
  inputName: string;
  sceneItemId: number;
  visible: boolean;
}

/**
 * OBS hotkeys for facemat-cam, with nothing to install in OBS. OBS lets the user bind a key to
 * "Show" and "Hide" of every item of every scene (Settings > Hotkeys), and such hotkeys work
 * whichever scene is live. So the bridge keeps a scene "FaceMat Controls" with one small text
 * item per action ("FaceMat toggle:toon", "FaceMat preset:next", ...), and:
 * - for on/off actions (filter toggles, camera pause, virtual camera) the item is visible
 *   exactly while the thing is on, both ways: a hotkey or a click on the eye in OBS switches
 *   the filter, and a change made anywhere else shows or hides the item;
 * - for one-shot actions (preset:next/previous) any show or hide runs the action once.
 */
export class ControlScene implements BridgePart {
  readonly name = 'FaceMat Controls scene';
  private session: ObsSession | null = null;
  private readonly items = new Map<number, ControlItem>();
  private readonly onStateChange = () => void this.syncVisibility();

  constructor(private readonly controller: PipelineController) {
    controller.on('change', this.onStateChange);
  }

  /** The items by action, for diagnostics and tests. */
  itemsByAction(): Map<ActionName, { inputName: string; sceneItemId: number; visible: boolean }> {
    return new Map([...this.items.values()].map((item) => [item.action, { ...item }]));
  }

  async attach(session: ObsSession): Promise<void> {
    this.session = session;
    session.on('SceneItemEnableStateChanged', (e) => {
      if (e.sceneName !== CONTROL_SCENE_NAME) return;
      const item = this.items.get(e.sceneItemId);
      if (item) void this.onToggledInObs(item, e.sceneItemEnabled);
    });
    session.on('CurrentSceneCollectionChanged', () => {
      this.build(session).catch((err: unknown) => {
        if (session.isOpen) log.error(`${this.name}: ${(err as Error).message}`);
      });
    });
    await this.build(session);
  }

  /** Finds or creates the scene and one item per action in the current scene collection. */
  private async build(session: ObsSession): Promise<void> {
    this.items.clear();
    await ensureScene(session, CONTROL_SCENE_NAME);
    const owned = (await findOwnedInputs(session)).filter((input) => input.role.startsWith(ROLE_PREFIX));
    const taken = await inputNames(session);
    const labelKind = await this.labelKind(session);
    const actions = Object.keys(ACTIONS) as ActionName[];
    for (const [row, action] of actions.entries()) {
      const mine = owned.filter((input) => input.role === ROLE_PREFIX + action);
      await this.removeExtras(session, mine.slice(1));
      const item = mine[0]
        ? await this.reuse(session, action, mine[0])
        : await this.create(session, action, row, freeName(`FaceMat ${action}`, taken), labelKind);
      this.items.set(item.sceneItemId, item);
    }
    await this.syncVisibility();
  }

  async close(): Promise<void> {
    this.controller.off('change', this.onStateChange);
    this.session = null;
  }

  /** The state an on/off action's item mirrors, or null for one-shot actions. */
  private stateOf(action: ActionName): boolean | null {
    const command: Command = ACTIONS[action];
    const state = this.controller.state();
    switch (command.type) {
      case 'filter.toggle':
        return state.filters.find((f) => f.name === command.name)?.enabled ?? false;
      case 'camera.pause':
        return state.paused;
      case 'virtualcam.toggle':
        return state.virtualcam.active;
      default:
        return null;
    }
  }

  private async onToggledInObs(item: ControlItem, visible: boolean): Promise<void> {
    item.visible = visible;
    const command = ACTIONS[item.action];
    const current = this.stateOf(item.action);
    let wanted: Command = command;
    if (current !== null) {
      if (current === visible) return; // our own sync echoing back, or nothing to change
      wanted =
        command.type === 'filter.toggle'
          ? { type: 'filter.enable', name: command.name, enabled: visible }
          : command.type === 'camera.pause'
            ? { type: 'camera.pause', paused: visible }
            : { type: visible ? 'virtualcam.start' : 'virtualcam.stop' };
    }
    log.debug(`OBS ${visible ? 'showed' : 'hid'} "${item.inputName}": ${item.action}`);
    try {
      await this.controller.execute(wanted, 'obs-bridge');
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      log.warn(`"${item.inputName}" in OBS asked for ${item.action}, which facemat-cam refused: ${err.message}`);
      await this.syncVisibility(); // show the real state again
    }
  }

  /** Shows exactly the on/off items whose thing is on. */
  private async syncVisibility(): Promise<void> {
    const session = this.session;
    if (!session?.isOpen) return;
    for (const item of this.items.values()) {
      const want = this.stateOf(item.action);
      if (want === null || want === item.visible) continue;
      item.visible = want;
      try {
        await session.call('SetSceneItemEnabled', { sceneName: CONTROL_SCENE_NAME, sceneItemId: item.sceneItemId, sceneItemEnabled: want });
      } catch (err) {
        if (session.isOpen) log.warn(`could not update "${item.inputName}" in OBS: ${(err as Error).message}`);
      }
    }
  }

  private async reuse(session: ObsSession, action: ActionName, input: OwnedInput): Promise<ControlItem> {
    let sceneItemId = await findSceneItem(session, CONTROL_SCENE_NAME, input.name);
    if (sceneItemId === null) {
      ({ sceneItemId } = await session.call('CreateSceneItem', { sceneName: CONTROL_SCENE_NAME, sourceName: input.name }));
    }
    const { sceneItemEnabled } = await session.call('GetSceneItemEnabled', { sceneName: CONTROL_SCENE_NAME, sceneItemId });
    return { action, inputName: input.name, sceneItemId, visible: sceneItemEnabled };
  }

  private async create(session: ObsSession, action: ActionName, row: number, inputName: string, kind: string): Promise<ControlItem> {
    const visible = this.stateOf(action) ?? true;
    const look: JsonSettings = kind === 'color_source_v3' ? { width: 320, height: ROW_HEIGHT - 8 } : { text: inputName };
    const { sceneItemId } = await session.call('CreateInput', {
      sceneName: CONTROL_SCENE_NAME,
      inputName,
      inputKind: kind,
      inputSettings: { ...ownershipMark(ROLE_PREFIX + action), ...look },
      sceneItemEnabled: visible,
    });
    await session.call('SetSceneItemTransform', {
      sceneName: CONTROL_SCENE_NAME,
      sceneItemId,
      sceneItemTransform: { positionX: 16, positionY: 16 + row * ROW_HEIGHT },
    });
    return { action, inputName, sceneItemId, visible };
  }

  private async removeExtras(session: ObsSession, extras: OwnedInput[]): Promise<void> {
    for (const extra of extras) {
      log.info(`removing duplicate "${extra.name}" that facemat-cam made earlier`);
      await removeInput(session, extra.name);
    }
  }

  private async labelKind(session: ObsSession): Promise<string> {
    const { inputKinds } = await session.call('GetInputKindList', { unversioned: false });
    return LABEL_KINDS.find((kind) => inputKinds.includes(kind)) ?? 'color_source_v3';
  }
}
