import { FILTERS, FilterName, FilterSettings } from '../../filter-settings/filter-catalogue.js';

/**
 * Reads a setting, falling back to the catalogue default when it is missing or of the wrong
 * type. Settings are validated where they are changed (the controller); this keeps one bad value
 * that slipped through from breaking every frame.
 */
export function numberSetting(filter: FilterName, settings: FilterSettings, key: string): number {
  const value = settings[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return FILTERS[filter].params[key].default as number;
}

export function stringSetting(filter: FilterName, settings: FilterSettings, key: string): string {
  const value = settings[key];
  if (typeof value === 'string') return value;
  return FILTERS[filter].params[key].default as string;
}

/** "#rrggbb" as three numbers in [0, 1]. */
export function parseColour(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return [1, 1, 1];
  return [parseInt(m[1], 16) / 255, parseInt(m[2], 16) / 255, parseInt(m[3], 16) / 255];
}
