import type { AnyHandler, HandlerTable } from '../request-context.js';
import { CONFIG_HANDLERS } from './config.js';
import { FILTER_HANDLERS } from './filters.js';
import { GENERAL_HANDLERS } from './general.js';
import { HOTKEY_HANDLERS } from './hotkeys.js';
import { INPUT_HANDLERS } from './inputs.js';
import { OUTPUT_HANDLERS } from './outputs.js';
import { SCENE_ITEM_HANDLERS } from './scene-items.js';
import { SCENE_HANDLERS } from './scenes.js';
import { SOURCE_HANDLERS } from './sources.js';
import { STATS_HANDLERS } from './stats.js';
import { TRANSITION_HANDLERS } from './transitions.js';
import { UI_HANDLERS } from './ui.js';
import { VENDOR_HANDLERS } from './vendor.js';

/** Every request we implement, by type; anything else answers 204 like an unknown request. */
export const REQUEST_HANDLERS: Readonly<Record<string, AnyHandler>> = Object.freeze({
  ...GENERAL_HANDLERS,
  ...STATS_HANDLERS,
  ...HOTKEY_HANDLERS,
  ...VENDOR_HANDLERS,
  ...CONFIG_HANDLERS,
  ...SCENE_HANDLERS,
  ...SCENE_ITEM_HANDLERS,
  ...SOURCE_HANDLERS,
  ...INPUT_HANDLERS,
  ...FILTER_HANDLERS,
  ...OUTPUT_HANDLERS,
  ...TRANSITION_HANDLERS,
  ...UI_HANDLERS,
} satisfies HandlerTable) as Readonly<Record<string, AnyHandler>>;
