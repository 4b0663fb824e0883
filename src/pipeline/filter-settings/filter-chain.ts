import { FILTER_NAMES, defaultSettings, type FilterInstance, type FilterName } from './filter-catalogue.js';
import { PRESETS, type Preset } from './presets.js';

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

/**
 * The chain a run or a render starts with: the `--filters` list when given (enabled, in order,
 * default settings), else the named preset's chain (the first preset for an unknown name).
 */
export function startingChain(presetName: string, filters: readonly FilterName[] | null): FilterInstance[] {
  if (filters !== null) return completeChain(filters.map((name) => ({ name, enabled: true, settings: defaultSettings(name) })));
  return chainForPreset(PRESETS.find((p) => p.name === presetName) ?? PRESETS[0]);
}
