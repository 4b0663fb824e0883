import type { FilterName, FilterSettings } from '../filter-settings/filter-catalogue.js';

/**
 * Every change to a running pipeline is one of these commands, whoever sends it: the
 * obs-websocket server, the HTTP API, the web panel, a hotkey or the OBS bridge. The `source`
 * says who, so events can report it (obs-websocket's "whoever caused it").
 */
export type Command =
  | { type: 'filter.enable'; name: FilterName; enabled: boolean }
  | { type: 'filter.toggle'; name: FilterName }
  | { type: 'filter.settings'; name: FilterName; settings: FilterSettings }
  | { type: 'filter.move'; name: FilterName; index: number }
  | { type: 'preset.select'; name: string }
  | { type: 'preset.next' }
  | { type: 'preset.previous' }
  | { type: 'camera.pause'; paused?: boolean }
  | { type: 'virtualcam.start' }
  | { type: 'virtualcam.stop' }
  | { type: 'virtualcam.toggle' };

/** Why a command was refused; each surface maps the code to its own status (HTTP, obs-websocket). */
export type CommandErrorCode =
  | 'unknown-filter'
  | 'unknown-preset'
  | 'invalid-settings'
  | 'invalid-value'
  | 'unavailable'
  | 'already-active'
  | 'not-active';

export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/**
 * Named actions, one per command worth a key or button: the hotkey bindings, obs-websocket's
 * GetHotkeyList/TriggerHotkeyByName and stream deck buttons all use these names.
 */
export const ACTIONS = {
  'toggle:beautify': { type: 'filter.toggle', name: 'beautify' },
  'toggle:toon': { type: 'filter.toggle', name: 'toon' },
  'toggle:sketch': { type: 'filter.toggle', name: 'sketch' },
  'toggle:recolor': { type: 'filter.toggle', name: 'recolor' },
  'toggle:anonymize': { type: 'filter.toggle', name: 'anonymize' },
  'toggle:facepaint': { type: 'filter.toggle', name: 'facepaint' },
  'toggle:matte': { type: 'filter.toggle', name: 'matte' },
  'preset:next': { type: 'preset.next' },
  'preset:previous': { type: 'preset.previous' },
  'camera:pause': { type: 'camera.pause' },
  'virtualcam:toggle': { type: 'virtualcam.toggle' },
} as const satisfies Record<string, Command>;

export type ActionName = keyof typeof ACTIONS;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}
