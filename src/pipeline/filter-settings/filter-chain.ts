import { FILTER_NAMES, defaultSettings, type FilterInstance } from './filter-catalogue.js';
import type { Preset } from './presets.js';

/** The chain a preset describes: its filters first, in its order, enabled; the rest disabled. */
export function chainForPreset(preset: Preset): FilterInstance[] {
  const chain: FilterInstance[] = preset.filters.map((f) => ({
    name: f.name,
    enabled: true,
    settings: { ...defaultSettings(f.name), ...(f.settings ?? {}) },
  }));
  return completeChain(chain);
}

/** Appends every filter missing from `chain`, disabled with default settings. */
export function completeChain(chain: FilterInstance[]): FilterInstance[] {
  const out = chain.map((f) => ({ name: f.name, enabled: f.enabled, settings: { ...f.settings } }));
  for (const name of FILTER_NAMES) {
    if (!out.some((f) => f.name === name)) out.push({ name, enabled: false, settings: defaultSettings(name) });
  }
  return out;
}
