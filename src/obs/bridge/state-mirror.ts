import { logger } from '../../log.js';
import { CommandError } from '../../pipeline/controller/commands.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import { PRESETS } from '../../pipeline/filter-settings/presets.js';
import { commandForAction, knownActions } from './bridge-actions.js';
import type { BridgePart } from './obs-bridge.js';
import type { ObsSession } from './obs-session.js';

const log = logger('obs-bridge');

/** The key a custom or vendor event carries our action under: { "facemat": "toggle:toon" }. */
export const EVENT_ACTION_KEY = 'facemat';

/**
 * OBS -> facemat-cam, for what OBS itself decides:
 * - a program scene change selects the preset the config maps that scene to ("sceneToPreset");
 * - a BroadcastCustomEvent (sent by any obs-websocket client: a Stream Deck, Companion, a
 *   script) or a VendorEvent (sent by an OBS plugin) whose data has `"facemat": "<action>"`
 *   runs that action (see bridge-actions.ts for the names).
 * Our preset changes are not pushed back as scene changes: switching a streamer's scenes
 * because a face filter changed would surprise them.
 */
export class StateMirror implements BridgePart {
  readonly name = 'state mirror';
  private readonly sceneToPreset: Map<string, string>;

  constructor(
    private readonly controller: PipelineController,
    sceneToPreset: Record<string, string> = {},
  ) {
    this.sceneToPreset = new Map(Object.entries(validateSceneToPreset(sceneToPreset)));
  }

  async attach(session: ObsSession): Promise<void> {
    session.on('CurrentProgramSceneChanged', (e) => void this.applyScene(e.sceneName));
    session.on('CustomEvent', (data) => void this.runEventAction(data, 'BroadcastCustomEvent'));
    session.on('VendorEvent', (e) => void this.runEventAction(e.eventData, `vendor event ${e.vendorName}/${e.eventType}`));
    if (this.sceneToPreset.size === 0) return;
    const { currentProgramSceneName } = await session.call('GetCurrentProgramScene');
    await this.applyScene(currentProgramSceneName);
  }

  private async applyScene(sceneName: string): Promise<void> {
    const preset = this.sceneToPreset.get(sceneName);
    if (!preset || this.controller.state().preset === preset) return;
    log.info(`OBS switched to scene "${sceneName}": selecting preset "${preset}"`);
    await this.controller.execute({ type: 'preset.select', name: preset }, 'obs-bridge').catch(reportRefusal);
  }

  private async runEventAction(data: unknown, from: string): Promise<void> {
    if (!data || typeof data !== 'object') return;
    const action = (data as Record<string, unknown>)[EVENT_ACTION_KEY];
    if (action === undefined) return; // an event for someone else
    const command = typeof action === 'string' ? commandForAction(action) : null;
    if (!command) {
      log.warn(`${from} asked for unknown action ${JSON.stringify(action)}; known: ${knownActions().join(', ')}`);
      return;
    }
    log.debug(`${from}: ${String(action)}`);
    await this.controller.execute(command, 'obs-bridge').catch(reportRefusal);
  }
}

/** Checks a scene -> preset map from the config; throws naming the bad entry. */
export function validateSceneToPreset(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [scene, presetName] of Object.entries(map)) {
    const preset = PRESETS.find((p) => p.name.toLowerCase() === String(presetName).toLowerCase());
    if (!preset) {
      throw new Error(
        `OBS scene "${scene}" is mapped to unknown preset "${presetName}" (presets: ${PRESETS.map((p) => p.name).join(', ')})`,
      );
    }
    out[scene] = preset.name;
  }
  return out;
}

function reportRefusal(err: unknown): void {
  if (err instanceof CommandError) log.warn(`OBS asked for something facemat-cam refused: ${err.message}`);
  else log.error(`applying an OBS change failed: ${(err as Error).message}`);
}
