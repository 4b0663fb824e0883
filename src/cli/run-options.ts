import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './command.js';
import { accept, commandSpec, configOnly, flag, list, reject, value, type OptionSpec } from './options/option-spec.js';
import { checkValue, flagOptions, parseCommandLine } from './options/parse-options.js';
import { FILTER_NAMES, isFilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import type { FilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import { PRESETS, DEFAULT_PRESET } from '../pipeline/filter-settings/presets.js';
import { ACTIONS } from '../pipeline/controller/commands.js';
import { parseHotkeyBinding } from '../hotkeys/hotkey-binding.js';
import { configDir, packageRoot } from '../config/paths.js';
import { PROVIDER_REQUESTS } from '../pipeline/matte/execution-providers.js';
import type { RunOptions } from '../app/run-options.js';
import { errorMessage } from '../util/error-message.js';

export const DEFAULT_SAMPLE = join(packageRoot(), 'assets', 'sample', 'sample.mp4');

const SOURCE_RE = /^(v4l2:\/dev\/\S+|v4l2:auto|file:.+|synthetic)$/;
const SINK_RE = /^(v4l2:(\/dev\/\S+|auto)|y4m:.+|mp4:.+|preview:\d{1,5}|null)$/;
const INPUT_FORMATS = ['auto', 'mjpeg', 'nv12', 'yuyv', 'i420'] as const;
const BOOLEAN = 'true or false';

/**
 * `facemat run`'s options. Each with a `configKey` is also a key of the config file (JSON, the
 * same values; lists as arrays or comma strings), read before the flags, which win.
 */
export const RUN_SPEC = commandSpec({
  name: 'run',
  summary: 'Run the camera: source -> face matte -> filters -> sinks, with the control surfaces',
  usage: '[options]',
  about: `With no options: the bundled sample clip, the shipped model, the "Natural" preset, a browser
preview on http://127.0.0.1:8080/ and the control server on 127.0.0.1:4456.`,
  options: {
    source: value({
      configKey: 'source',
      arg: 'SPEC',
      accepts: 'v4l2:/dev/videoN (or /dev/v4l/by-id/...), v4l2:auto, file:PATH, synthetic',
      parse: accept.matching(SOURCE_RE),
      defaultText: 'the sample clip',
      help: 'where frames come from: `v4l2:/dev/videoN` (or `/dev/v4l/by-id/...`, `v4l2:auto`), `file:PATH` (any video ffmpeg reads), `synthetic`',
    }),
    sink: list({
      configKey: 'sinks',
      arg: 'SPEC',
      accepts: 'v4l2:/dev/videoN, v4l2:auto, y4m:PATH, mp4:PATH, preview:PORT, null',
      parse: (v) => (SINK_RE.test(v) && portOk(v) ? v : reject()),
      defaultText: '`preview:8080`',
      help: 'where frames go: `v4l2:/dev/videoN` or `v4l2:auto` (virtual camera), `y4m:PATH`, `mp4:PATH`, `preview:PORT`, `null`',
    }),
    'input-format': value({
      configKey: 'inputFormat',
      arg: 'FORMAT',
      accepts: INPUT_FORMATS.join(', '),
      parse: accept.oneOf(INPUT_FORMATS),
      defaultText: '`auto`',
      help: "a webcam's pixel format: `mjpeg`, `nv12`, `yuyv`, `i420`; `auto` takes MJPEG, then NV12, YUYV, I420, whichever reaches the rate",
    }),
    size: value({ configKey: 'size', arg: 'WxH', accepts: 'WxH, e.g. 1280x720 (even numbers, 64..4096)', parse: parseSize, defaultText: '`1280x720`', help: 'frame size' }),
    fps: value({ configKey: 'fps', arg: 'N', accepts: 'an integer 1..120', parse: accept.integer(1, 120), defaultText: '30', help: 'frame rate, 1..120' }),
    model: value({ configKey: 'model', arg: 'PATH', accepts: 'a file path', defaultText: '`models/facemat-student.json`', help: 'model manifest or `.onnx`' }),
    provider: value({
      configKey: 'provider',
      arg: 'P',
      accepts: PROVIDER_REQUESTS.join(', '),
      parse: accept.oneOf(PROVIDER_REQUESTS),
      defaultText: '`auto`',
      help: '`auto` (TensorRT, then CUDA, then CPU), `tensorrt`, `cuda`, `cpu`',
    }),
    threads: value({ configKey: 'threads', arg: 'N', accepts: 'an integer 1..64', parse: accept.integer(1, 64), defaultText: 'cores - 1 (max 4)', help: 'CPU inference threads' }),
    filters: list({
      configKey: 'filters',
      arg: 'NAME',
      accepts: `none, or a list of ${FILTER_NAMES.join(', ')}`,
      parse: (v) => (v === 'none' || isFilterName(v) ? v : reject()),
      defaultText: "the preset's",
      help: `filters to enable, in order (overrides \`--preset\`): ${FILTER_NAMES.map((f) => `\`${f}\``).join(', ')}; \`none\` for none`,
    }),
    preset: value({
      configKey: 'preset',
      arg: 'NAME',
      accepts: PRESETS.map((p) => p.name).join(', '),
      parse: (v) => PRESETS.find((p) => p.name.toLowerCase() === v.toLowerCase())?.name ?? reject(),
      defaultText: `\`${DEFAULT_PRESET}\``,
      help: `the preset to start with: ${PRESETS.map((p) => `\`${p.name}\``).join(', ')}`,
    }),
    frames: value({ configKey: 'frames', arg: 'N', accepts: 'an integer >= 1', parse: accept.integer(1, Number.MAX_SAFE_INTEGER), defaultText: 'endless', help: 'stop after N frames' }),
    metrics: value({ configKey: 'metrics', arg: 'PATH', accepts: 'a file path', defaultText: 'none', help: 'per-stage timings as JSON, rewritten every second and at exit' }),
    control: value({
      configKey: 'control',
      arg: 'HOST:PORT',
      accepts: 'HOST:PORT or off',
      parse: parseControl,
      defaultText: '`127.0.0.1:4456`',
      help: 'control server (web panel, HTTP API, obs-websocket), or `off`',
    }),
    password: value({
      configKey: 'password',
      arg: 'P',
      accepts: 'a non-empty string',
      defaultText: 'generated',
      help: 'control password; generated on first run into `~/.config/facemat-cam/control-password`',
    }),
    loop: flag({ configKey: 'loop', negatable: true, defaultText: 'on', help: 'loop file sources' }),
    'matte-lag': value({
      configKey: 'matteLag',
      arg: 'N',
      accepts: 'an integer 0..1000; a large value never holds video back for the model',
      parse: accept.integer(0, 1000),
      defaultText: '1',
      help: 'how many frames a matte may be away from the frame it is applied to, 0..1000; a large value never holds video back for a slow model (see [pipeline.md](pipeline.md))',
    }),
    'face-crop': flag({ configKey: 'faceCrop', negatable: true, defaultText: 'on', help: 'run the model on a crop around the face found in the previous matte' }),
    temporal: flag({ configKey: 'temporal', negatable: true, defaultText: 'on', help: 'temporal smoothing of the matte where the frame did not change' }),
    hotkey: list({
      configKey: 'hotkeys',
      arg: 'KEYS=ACTION',
      accepts: `KEYS=ACTION or KEYS=none, actions: ${Object.keys(ACTIONS).join(', ')}`,
      parse: (v) => (parseHotkeyBinding(v), v),
      defaultText: 'see [hotkeys](control.md#global-hotkeys)',
      help: 'global hotkey binding, e.g. `ctrl+alt+1=toggle:beautify`',
    }),
    obs: value({
      configKey: 'obs',
      arg: 'ws://HOST:PORT',
      accepts: 'ws://HOST:PORT',
      parse: accept.matching(/^wss?:\/\/[^\s]+$/),
      defaultText: 'none',
      help: 'put the camera into a running OBS Studio (see [OBS](obs-bridge.md#options))',
    }),
    'obs-password': value({ configKey: 'obsPassword', arg: 'P', accepts: 'a string', parse: (v) => v, defaultText: 'none', help: "OBS's websocket password" }),
    'obs-scene': value({ configKey: 'obsScene', arg: 'NAME', accepts: 'a scene name', defaultText: 'the current program scene', help: 'OBS scene to put the FaceMat Camera input in' }),
    'obs-virtualcam': flag({ configKey: 'obsVirtualcam', negatable: true, help: "start and stop OBS's virtual camera with the pipeline" }),
    'obs-scene-presets': configOnly({ configKey: 'obsScenePresets', accepts: 'an object of strings', defaultText: '`{}`', help: 'OBS scene name -> preset to select when OBS switches to it' }),
    verbose: flag({ configKey: 'verbose', help: 'log fps, per-stage latency, drops and RSS once a second' }),
    config: value({ arg: 'PATH', accepts: 'a file path', defaultText: '`~/.config/facemat-cam/config.json`', help: 'the config file to read' }),
  },
});

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

/**
 * Merges defaults, the config file (JSON, keys as in RunOptions) and flags, in that order.
 * Any unknown or invalid key or flag is a UsageError naming it and the accepted values.
 */
export function resolveRunOptions(argv: string[], env: { configPath?: string } = {}): RunOptions {
  const { help, values } = parseCommandLine(RUN_SPEC, argv);
  if (help) throw new UsageError('--help is not a run option (it prints the help)');
  const configPath = values.config ?? env.configPath ?? join(configDir(), 'config.json');
  const options = defaultRunOptions();
  if (existsSync(configPath)) applyConfigFile(options, configPath);
  else if (values.config !== undefined) throw new UsageError(`config file not found: ${configPath}`);
  for (const [name, option] of flagOptions(RUN_SPEC.options)) {
    const given = (values as Record<string, unknown>)[name];
    if (given !== undefined && option.configKey) assign(options, option.configKey, given, `--${name}`);
  }
  return options;
}

/** The config file's keys, and `sink` for `sinks` as people write it. */
function configOption(key: string): OptionSpec | undefined {
  const wanted = key === 'sink' ? 'sinks' : key;
  return Object.values(RUN_SPEC.options).find((option) => option.configKey === wanted);
}

function applyConfigFile(options: RunOptions, path: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`config file ${path} must hold a JSON object`);
  for (const [key, given] of Object.entries(raw)) {
    const option = configOption(key);
    if (!option?.configKey) {
      const known = Object.values(RUN_SPEC.options).flatMap((o) => (o.configKey ? [o.configKey] : []));
      throw new UsageError(`unknown key "${key}" in ${path} (keys: ${known.join(', ')})`);
    }
    const where = `"${key}" in ${path}`;
    if (option.kind === 'flag') {
      if (typeof given !== 'boolean') throw new UsageError(`${where} must be ${BOOLEAN}`);
      assign(options, option.configKey, given, where);
    } else if (option.kind === 'config-only') {
      if (typeof given !== 'object' || given === null || Array.isArray(given) || Object.values(given).some((v) => typeof v !== 'string')) {
        throw new UsageError(`${where} must be ${option.accepts}`);
      }
      assign(options, option.configKey, { ...given }, where);
    } else if (option.kind === 'list') {
      const items: unknown = Array.isArray(given) ? given : typeof given === 'string' ? given.split(',') : null;
      if (!Array.isArray(items) || items.some((v) => typeof v !== 'string')) throw new UsageError(`${where} must be a list of strings (${option.accepts})`);
      assign(options, option.configKey, items.map((item: string) => checkValue(option, item.trim(), where)), where);
    } else {
      if (typeof given !== 'string' && typeof given !== 'number') throw new UsageError(`${where} must be ${option.accepts}`);
      assign(options, option.configKey, checkValue(option, String(given), where), where);
    }
  }
}

/** Sets one checked value by its config key; `size` and `filters` are not stored as they are written. */
function assign(options: RunOptions, key: string, parsed: unknown, where: string): void {
  if (key === 'size') {
    const { width, height } = parsed as { width: number; height: number };
    options.width = width;
    options.height = height;
  } else if (key === 'filters') {
    const names = parsed as string[];
    if (names.includes('none') && names.length > 1) throw new UsageError(`${where}: "none" cannot be combined with filters`);
    options.filters = names.includes('none') ? [] : (names as FilterName[]);
  } else {
    (options as unknown as Record<string, unknown>)[key] = parsed;
  }
}

function portOk(sink: string): boolean {
  if (!sink.startsWith('preview:')) return true;
  const port = Number(sink.slice(8));
  return port >= 1 && port <= 65535;
}

function parseSize(value: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m) reject();
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width % 2 || height % 2 || width < 64 || height < 64 || width > 4096 || height > 4096) reject();
  return { width, height };
}

function parseControl(value: string): { host: string; port: number } | null {
  if (value === 'off') return null;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m) reject();
  const port = Number(m[2]);
  if (port < 1 || port > 65535) reject();
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
