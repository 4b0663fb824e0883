import type { FilterName, FilterSettings } from './filter-catalogue.js';

/**
 * Presets combine filters. Each preset lists the filters it enables, in chain order, with the
 * settings it overrides; every other filter is disabled. The obs-websocket server shows each
 * preset as a scene.
 */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly filters: ReadonlyArray<{ name: FilterName; settings?: FilterSettings }>;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'Natural',
    description: 'Gentle skin smoothing and a touch of warmth',
    filters: [{ name: 'beautify', settings: { strength: 0.6 } }, { name: 'recolor', settings: { amount: 0.15 } }],
  },
  {
    name: 'Cartoon',
    description: 'Smoothed skin drawn as a cel-shaded cartoon',
    filters: [{ name: 'beautify', settings: { strength: 0.8 } }, { name: 'toon' }],
  },
  {
    name: 'Privacy',
    description: 'Face pixelated, hands and objects in front of it stay visible',
    filters: [{ name: 'anonymize' }],
  },
  {
    name: 'Off',
    description: 'No filter: the camera as it is',
    filters: [],
  },
];

/** The preset `facemat run` starts with when neither --filters nor --preset is given. */
export const DEFAULT_PRESET = 'Natural';
