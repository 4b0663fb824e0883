/**
 * The face filters every control surface knows: names, parameters with types and ranges, defaults.
 * One table, shared by the CLI, the config file, the compositor, the HTTP API, the web panel and
 * the obs-websocket server, so a filter or parameter added here appears everywhere.
 */

export type ParamSpec =
  | { type: 'number'; min: number; max: number; step: number; default: number; description: string }
  | { type: 'enum'; options: readonly string[]; default: string; description: string }
  | { type: 'color'; default: string; description: string }
  | { type: 'string'; default: string; description: string };

export type ParamValue = number | string;
export type FilterSettings = Record<string, ParamValue>;

export interface FilterSpec {
  readonly name: FilterName;
  readonly label: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
}

export const FILTER_NAMES = ['beautify', 'toon', 'sketch', 'recolor', 'anonymize', 'facepaint', 'matte'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export const FILTERS: Readonly<Record<FilterName, FilterSpec>> = {
  beautify: {
    name: 'beautify',
    label: 'Beautify',
    description: 'Edge-preserving skin smoothing; eyes, brows and lips stay sharp',
    params: {
      strength: { type: 'number', min: 0, max: 1, step: 0.05, default: 0.6, description: 'How much the skin is smoothed' },
      radius: { type: 'number', min: 1, max: 8, step: 1, default: 4, description: 'Smoothing radius in pixels at 720p' },
    },
  },
  toon: {
    name: 'toon',
    label: 'Toon',
    description: 'Cel shading: flat colour bands with dark edges',
    params: {
      levels: { type: 'number', min: 2, max: 10, step: 1, default: 5, description: 'Colour bands per channel' },
      edges: { type: 'number', min: 0, max: 1, step: 0.05, default: 0.8, description: 'Edge line strength' },
    },
  },
  sketch: {
    name: 'sketch',
    label: 'Pencil sketch',
    description: 'Grey pencil strokes from the image gradients',
    params: {
      intensity: { type: 'number', min: 0, max: 1, step: 0.05, default: 0.8, description: 'Stroke darkness' },
    },
  },
  recolor: {
    name: 'recolor',
    label: 'Recolor',
    description: 'Skin tint, or a 3D colour LUT from a .cube file',
    params: {
      tint: { type: 'color', default: '#ff9a6a', description: 'Tint colour (#rrggbb)' },
      amount: { type: 'number', min: 0, max: 1, step: 0.05, default: 0.35, description: 'Tint or LUT strength' },
      lut: { type: 'string', default: '', description: 'Path to a .cube 3D LUT; empty for the tint' },
    },
  },
  anonymize: {
    name: 'anonymize',
    label: 'Anonymize',
    description: 'Pixelate or blur the face only; hands stay visible',
    params: {
      mode: { type: 'enum', options: ['pixelate', 'blur'], default: 'pixelate', description: 'How the face is hidden' },
      blockSize: { type: 'number', min: 4, max: 64, step: 1, default: 18, description: 'Pixel block (or blur) size at 720p' },
    },
  },
  facepaint: {
    name: 'facepaint',
    label: 'Face paint',
    description: 'An image or pattern painted on the skin, under the occluders',
    params: {
      pattern: { type: 'enum', options: ['stripes', 'dots', 'flag', 'image'], default: 'stripes', description: 'Built-in pattern, or "image"' },
      image: { type: 'string', default: '', description: 'Path to a PNG used when pattern is "image"; empty for the bundled carnival mask' },
      opacity: { type: 'number', min: 0, max: 1, step: 0.05, default: 0.7, description: 'Paint opacity' },
    },
  },
  matte: {
    name: 'matte',
    label: 'Matte debug view',
    description: 'Shows the alpha matte, the uncertainty heat map, or before/after side by side',
    params: {
      view: { type: 'enum', options: ['alpha', 'uncertainty', 'split'], default: 'alpha', description: 'What to show' },
    },
  },
};

/** One filter in the running chain. */
export interface FilterInstance {
  readonly name: FilterName;
  enabled: boolean;
  settings: FilterSettings;
}

export function isFilterName(name: string): name is FilterName {
  return (FILTER_NAMES as readonly string[]).includes(name);
}

export function defaultSettings(name: FilterName): FilterSettings {
  const out: FilterSettings = {};
  for (const [key, spec] of Object.entries(FILTERS[name].params)) out[key] = spec.default;
  return out;
}

/** Raised for a bad filter name or setting; `field` names what was wrong. */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Checks a partial settings object against the filter's parameters and returns it normalised.
 * Unknown keys, wrong types and out-of-range values are errors, never silently clamped, so a
 * stream deck button with a typo tells its user.
 */
export function validateSettings(name: FilterName, settings: unknown): FilterSettings {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new SettingsError(`settings for "${name}" must be an object`, 'settings');
  }
  const spec = FILTERS[name];
  const out: FilterSettings = {};
  for (const [key, value] of Object.entries(settings)) {
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
    const p = Object.hasOwn(spec.params, key) ? spec.params[key] : undefined;
    if (!p) {
      const known = Object.keys(spec.params).join(', ');
      throw new SettingsError(`"${name}" has no setting "${key}" (settings: ${known})`, key);
    }
    out[key] = validateParam(name, key, p, value);
  }
  return out;
}

function validateParam(filter: string, key: string, p: ParamSpec, value: unknown): ParamValue {
  const where = `${filter}.${key}`;
  switch (p.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new SettingsError(`${where} must be a number in [${p.min}, ${p.max}]`, key);
      }
      if (value < p.min || value > p.max) {
        throw new SettingsError(`${where} = ${value} is out of range [${p.min}, ${p.max}]`, key);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !p.options.includes(value)) {
        throw new SettingsError(`${where} must be one of ${p.options.join(', ')}`, key);
      }
      return value;
    case 'color':
      if (typeof value !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(value)) {
        throw new SettingsError(`${where} must be a colour like #ff9a6a`, key);
      }
      return value.toLowerCase();
    case 'string':
      if (typeof value !== 'string') throw new SettingsError(`${where} must be a string`, key);
      return value;
  }
}
