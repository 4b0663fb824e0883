import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './command.js';
import { FILTER_NAMES, isFilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import type { FilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import { PRESETS, DEFAULT_PRESET } from '../pipeline/filter-settings/presets.js';
import { ACTIONS } from '../pipeline/controller/commands.js';
import { parseHotkeyBinding } from '../hotkeys/hotkey-binding.js';
import { configDir, packageRoot } from '../config/paths.js';
import type { RunOptions } from '../app/run-options.js';
import { errorMessage } from '../util/error-message.js';

type Kind = 'string' | 'int' | 'bool' | 'list' | 'map';

interface OptionSpec {
  /** Config-file key; the flag is its kebab-case form (`matteLag` -> `--matte-lag`). */
  key: keyof RunOptions;
  kind: Kind;
  help: string;
  /** Accepted values, for the error message. */
  accepts: string;
  /** Parses and checks one value; returns the typed value or throws with what was wrong. */
  parse?: (value: string) => unknown;
  /** Flag name when it differs from the key's kebab-case. */
  flag?: string;
}

export const DEFAULT_SAMPLE = join(packageRoot(), 'assets', 'sample', 'sample.mp4');

const SOURCE_RE = /^(v4l2:\/dev\/\S+|v4l2:auto|file:.+|synthetic)$/;
const SINK_RE = /^(v4l2:(\/dev\/\S+|auto)|y4m:.+|mp4:.+|preview:\d{1,5}|null)$/;

const SPECS: OptionSpec[] = [
  { key: 'source', kind: 'string', help: 'Where frames come from', accepts: 'v4l2:/dev/videoN (or /dev/v4l/by-id/...), v4l2:auto, file:PATH, synthetic', parse: (v) => check(v, SOURCE_RE.test(v)) },
  { key: 'sinks', flag: 'sink', kind: 'list', help: 'Where frames go (repeat or comma-separate for several)', accepts: 'v4l2:/dev/videoN, v4l2:auto, y4m:PATH, mp4:PATH, preview:PORT, null', parse: (v) => check(v, SINK_RE.test(v) && portOk(v)) },
  { key: 'inputFormat', kind: 'string', help: "A webcam's pixel format (default: the best it offers at the size and rate)", accepts: 'auto, mjpeg, nv12, yuyv, i420', parse: (v) => check(v, ['auto', 'mjpeg', 'nv12', 'yuyv', 'i420'].includes(v)) },
  { key: 'width', flag: 'size', kind: 'string', help: 'Frame size', accepts: 'WxH, e.g. 1280x720 (even numbers, 64..4096)', parse: parseSize },
  { key: 'fps', kind: 'int', help: 'Frames per second', accepts: 'an integer 1..120', parse: (v) => int(v, 1, 120) },
  { key: 'model', kind: 'string', help: 'Model manifest (.json) or .onnx beside one', accepts: 'a file path', parse: (v) => v },
  { key: 'provider', kind: 'string', help: 'Inference provider', accepts: 'auto, tensorrt, cuda, cpu', parse: (v) => check(v, ['auto', 'tensorrt', 'cuda', 'cpu'].includes(v)) },
  { key: 'threads', kind: 'int', help: 'CPU inference threads (default: chosen for the machine)', accepts: 'an integer 1..64', parse: (v) => int(v, 1, 64) },
  { key: 'filters', kind: 'list', help: 'Filters to enable, in order (overrides --preset)', accepts: `none, or a list of ${FILTER_NAMES.join(', ')}`, parse: (v) => check(v, v === 'none' || isFilterName(v)) },
  { key: 'preset', kind: 'string', help: 'Preset to start with', accepts: PRESETS.map((p) => p.name).join(', '), parse: (v) => PRESETS.find((p) => p.name.toLowerCase() === v.toLowerCase())?.name ?? fail() },
  { key: 'frames', kind: 'int', help: 'Stop after N frames', accepts: 'an integer >= 1', parse: (v) => int(v, 1, Number.MAX_SAFE_INTEGER) },
  { key: 'metrics', kind: 'string', help: 'Write per-stage timings as JSON to this file (updated every second and at exit)', accepts: 'a file path', parse: (v) => v },
  { key: 'control', kind: 'string', help: 'Control server address (obs-websocket, HTTP API, web panel), or "off"', accepts: 'HOST:PORT or off', parse: parseControl },
  { key: 'password', kind: 'string', help: 'Control server password (default: generated into the config dir)', accepts: 'a non-empty string', parse: (v) => check(v, v.length > 0) },
  { key: 'loop', kind: 'bool', help: 'Loop file sources (default on)', accepts: 'true or false' },
  { key: 'matteLag', kind: 'int', help: 'Frames a matte may be away from the frame it is applied to', accepts: 'an integer 0..1000; a large value never holds video back for the model', parse: (v) => int(v, 0, 1000) },
  { key: 'faceCrop', kind: 'bool', help: 'Run the model on a crop around the face (default on)', accepts: 'true or false' },
  { key: 'temporal', kind: 'bool', help: 'Temporal smoothing of the matte (default on)', accepts: 'true or false' },
  { key: 'hotkeys', flag: 'hotkey', kind: 'list', help: 'Hotkey binding, e.g. "ctrl+alt+1=toggle:beautify" (repeatable)', accepts: `KEYS=ACTION or KEYS=none, actions: ${Object.keys(ACTIONS).join(', ')}`, parse: (v) => (parseHotkeyBinding(v), v) },
  { key: 'obs', kind: 'string', help: 'Connect to OBS Studio at this obs-websocket URL', accepts: 'ws://HOST:PORT', parse: (v) => check(v, /^wss?:\/\/[^\s]+$/.test(v)) },
  { key: 'obsPassword', kind: 'string', help: "OBS's websocket password", accepts: 'a string', parse: (v) => v },
  { key: 'obsScene', kind: 'string', help: 'OBS scene to put the FaceMat Camera input in (default: current program scene)', accepts: 'a scene name', parse: (v) => check(v, v.length > 0) },
  { key: 'obsVirtualcam', kind: 'bool', help: "Start and stop OBS's virtual camera with the pipeline", accepts: 'true or false' },
  { key: 'obsScenePresets', kind: 'map', help: 'Config file only: OBS scene name -> preset to select', accepts: 'an object of strings' },
  { key: 'verbose', kind: 'bool', help: 'Log metrics once a second', accepts: 'true or false' },
];

export function defaultRunOptions(): RunOptions {
  return {
    source: `file:${DEFAULT_SAMPLE}`,
    inputFormat: 'auto',
    sinks: ['preview:8080'],
    width: 1280,
    height: 720,
    fps: 30,
    model: null,
    provider: 'auto',
    threads: null,
    filters: null,
    preset: DEFAULT_PRESET,
    frames: null,
    metrics: null,
    control: { host: '127.0.0.1', port: 4456 },
    password: null,
    loop: true,
    matteLag: 1,
    faceCrop: true,
    temporal: true,
    hotkeys: [],
    obs: null,
    obsPassword: null,
    obsScene: null,
    obsVirtualcam: false,
    obsScenePresets: {},
    verbose: false,
  };
}

export function runOptionsHelp(): string {
  const lines = ['usage: facemat run [options]', '', 'options (flags win over the config file):'];
  for (const spec of SPECS) {
    if (spec.kind === 'map') continue;
    const flag = `--${flagName(spec)}${spec.kind === 'bool' ? `, --no-${flagName(spec)}` : ' VALUE'}`;
    lines.push(`  ${flag.padEnd(34)} ${spec.help} (${spec.accepts})`);
  }
  lines.push('  --config PATH                      Config file (default: ' + join(configDir(), 'config.json') + ')');
  lines.push('', 'With no options: the bundled sample clip, the shipped model, the "Natural" preset, a browser');
  lines.push('preview on http://127.0.0.1:8080/ and the control server on 127.0.0.1:4456.');
  return lines.join('\n');
}

/**
 * Merges defaults, the config file (JSON, keys as in RunOptions) and flags, in that order.
 * Any unknown or invalid key or flag is a UsageError naming it and the accepted values.
 */
export function resolveRunOptions(argv: string[], env: { configPath?: string } = {}): RunOptions {
  const flags = parseFlags(argv);
  const configPath = flags.configPath ?? env.configPath ?? join(configDir(), 'config.json');
  const options = defaultRunOptions();
  if (existsSync(configPath)) applyConfigFile(options, configPath);
  else if (flags.configPath !== undefined) throw new UsageError(`config file not found: ${configPath}`);
  for (const [spec, values] of flags.values) assign(options, spec, values, `--${flagName(spec)}`);
  return options;
}

function parseFlags(argv: string[]): { values: Array<[OptionSpec, string[] | boolean]>; configPath?: string } {
  const values: Array<[OptionSpec, string[] | boolean]> = [];
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --; see facemat run --help)`);
    const [rawName, inline] = splitOnce(arg.slice(2));
    if (rawName === 'config') {
      configPath = inline ?? argv[++i];
      if (!configPath) throw new UsageError('--config needs a path');
      continue;
    }
    const negated = rawName.startsWith('no-');
    const spec = SPECS.find((s) => flagName(s) === rawName) ?? (negated ? SPECS.find((s) => flagName(s) === rawName.slice(3) && s.kind === 'bool') : undefined);
    if (!spec || spec.kind === 'map') {
      const known = SPECS.filter((s) => s.kind !== 'map').map((s) => `--${flagName(s)}`).join(', ');
      throw new UsageError(`unknown option --${rawName} (options: ${known}, --config)`);
    }
    if (spec.kind === 'bool') {
      if (inline !== undefined && !['true', 'false'].includes(inline)) throw new UsageError(`--${rawName} must be true or false, not "${inline}"`);
      values.push([spec, negated ? false : inline !== 'false']);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${rawName} needs a value (${spec.accepts})`);
    const existing = values.find(([s]) => s === spec);
    const parts = spec.kind === 'list' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [value];
    if (existing && spec.kind === 'list') (existing[1] as string[]).push(...parts);
    else values.push([spec, parts]);
  }
  return { values, configPath };
}

function applyConfigFile(options: RunOptions, path: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`config file ${path} must hold a JSON object`);
  for (const [key, value] of Object.entries(raw)) {
    const configKey = key === 'size' ? 'width' : key === 'sink' ? 'sinks' : key;
    const spec = SPECS.find((s) => s.key === configKey);
    if (!spec) {
      const known = ['size', ...SPECS.filter((s) => s.key !== 'width').map((s) => s.key)].join(', ');
      throw new UsageError(`unknown key "${key}" in ${path} (keys: ${known})`);
    }
    const where = `"${key}" in ${path}`;
    if (spec.kind === 'bool') {
      if (typeof value !== 'boolean') throw new UsageError(`${where} must be true or false`);
      assign(options, spec, value, where);
    } else if (spec.kind === 'map') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw new UsageError(`${where} must be ${spec.accepts}`);
      }
      options.obsScenePresets = { ...(value as Record<string, string>) };
    } else if (spec.kind === 'list') {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
      if (!list || list.some((v) => typeof v !== 'string')) throw new UsageError(`${where} must be a list of strings (${spec.accepts})`);
      assign(options, spec, list.map((v: string) => v.trim()), where);
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${where} must be ${spec.accepts}`);
      assign(options, spec, [String(value)], where);
    }
  }
}

function assign(options: RunOptions, spec: OptionSpec, values: string[] | boolean, where: string): void {
  const target = options as unknown as Record<string, unknown>;
  if (typeof values === 'boolean') {
    target[spec.key] = values;
    return;
  }
  const parsed = values.map((v) => {
    try {
      return spec.parse ? spec.parse(v) : v;
    } catch {
      throw new UsageError(`invalid value "${v}" for ${where} (accepted: ${spec.accepts})`);
    }
  });
  if (spec.key === 'width') {
    const { width, height } = parsed[0] as { width: number; height: number };
    options.width = width;
    options.height = height;
  } else if (spec.key === 'filters') {
    if (parsed.includes('none') && parsed.length > 1) throw new UsageError(`${where}: "none" cannot be combined with filters`);
    options.filters = parsed.includes('none') ? [] : (parsed as FilterName[]);
  } else if (spec.kind === 'list') {
    target[spec.key] = parsed;
  } else {
    target[spec.key] = parsed[0];
  }
}

function flagName(spec: OptionSpec): string {
  return spec.flag ?? spec.key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function splitOnce(s: string): [string, string | undefined] {
  const i = s.indexOf('=');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function fail(): never {
  throw new Error('invalid');
}

function check(value: string, ok: boolean): string {
  if (!ok) fail();
  return value;
}

function int(value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) fail();
  const n = Number(value);
  if (n < min || n > max) fail();
  return n;
}

function portOk(sink: string): boolean {
  if (!sink.startsWith('preview:')) return true;
  const port = Number(sink.slice(8));
  return port >= 1 && port <= 65535;
}

function parseSize(value: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m) fail();
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width % 2 || height % 2 || width < 64 || height < 64 || width > 4096 || height > 4096) fail();
  return { width, height };
}

function parseControl(value: string): { host: string; port: number } | null {
  if (value === 'off') return null;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m) fail();
  const port = Number(m[2]);
  if (port < 1 || port > 65535) fail();
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * One `facemat run` option checked exactly as `run` checks it, for other commands that share it
 * (`facemat render`): the default run options with that one option set from `value`. A bad value
 * is a UsageError naming `where` and the accepted values.
 */
export function parseRunOption(key: keyof RunOptions, value: string, where: string): RunOptions {
  const spec = SPECS.find((s) => s.key === key);
  if (!spec || spec.kind === 'bool' || spec.kind === 'map') throw new RangeError(`no valued run option "${key}"`);
  const options = defaultRunOptions();
  assign(options, spec, spec.kind === 'list' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [value], where);
  return options;
}

/** What `facemat run --help` says of an option: its help and the values it accepts. */
export function runOptionHelp(key: keyof RunOptions): { help: string; accepts: string } {
  const spec = SPECS.find((s) => s.key === key);
  if (!spec) throw new RangeError(`no run option "${key}"`);
  return { help: spec.help, accepts: spec.accepts };
}
