import { ACTIONS, isActionName, type Command } from '../../pipeline/controller/commands.js';
import { PRESETS } from '../../pipeline/filter-settings/presets.js';

/**
 * The action names OBS-side triggers may use: every named action of the ACTIONS table
 * ("toggle:toon", "preset:next", "camera:pause", ...) plus "preset:<Name>" to select a preset.
 */
export function commandForAction(action: string): Command | null {
  if (isActionName(action)) return ACTIONS[action];
  if (action.startsWith('preset:')) {
    const name = action.slice('preset:'.length);
    const preset = PRESETS.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (preset) return { type: 'preset.select', name: preset.name };
  }
  return null;
}

/** Every action name commandForAction() accepts, for error messages and docs. */
export function knownActions(): string[] {
  return [...Object.keys(ACTIONS), ...PRESETS.map((p) => `preset:${p.name}`)];
}
