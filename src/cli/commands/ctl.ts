import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir } from '../../config/paths.js';
import { ControlClient, ControlClientError } from '../../http/control-client.js';
import { FILTERS, isFilterName } from '../../pipeline/filter-settings/filter-catalogue.js';
import type { PipelineState } from '../../pipeline/controller/pipeline-controller.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { accept, commandSpec, flag, value, type OptionValues } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { checkValue, parseCommandLine } from '../options/parse-options.js';

const DEFAULT_URL = 'http://127.0.0.1:4456';

export const CTL_SPEC = commandSpec({
  name: 'ctl',
  summary: 'Control a running facemat (filters, presets, pause, virtual camera) over its HTTP API',
  usage: '[options] <command> [arguments]',
  about: `Controls a running \`facemat run\` through its HTTP API.

commands:
  state                          filters, preset, pause and virtual camera state
  toggle|enable|disable FILTER   switch a filter (${Object.keys(FILTERS).join(', ')})
  set FILTER key=value...        change filter settings, e.g. set beautify strength=0.4
  preset NAME|next|previous      select a preset
  pause | resume                 pause the camera (a "camera paused" frame) or resume it
  virtualcam start|stop|toggle   the virtual camera
  action NAME                    any hotkey action, e.g. toggle:matte, preset:next
  metrics                        frame rates and per-stage latency`,
  options: {
    url: value({ arg: 'http://HOST:PORT', accepts: 'http://HOST:PORT or https://HOST:PORT', parse: accept.matching(/^https?:\/\//), defaultText: `\`$FACEMAT_CONTROL_URL\`, else \`${DEFAULT_URL}\``, help: 'the control server' }),
    password: value({ arg: 'P', defaultText: 'read from the config dir', help: 'the control password' }),
    'password-file': value({ arg: 'FILE', defaultText: '`$XDG_CONFIG_HOME/facemat-cam/control-password`', help: 'read the password from FILE' }),
    json: flag({ help: "print the API's JSON answer" }),
  },
  operands: 'any',
  footer: 'Exit status: 0 done, 1 refused or unreachable, 2 bad usage.',
});

export interface CtlIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

interface CtlOptions {
  url: string;
  password: string | null;
  passwordFile: string | null;
  json: boolean;
}

/** The options, with the URL from $FACEMAT_CONTROL_URL when --url is not given (checked the same way). */
function ctlOptions(values: OptionValues<typeof CTL_SPEC.options>, env: NodeJS.ProcessEnv): CtlOptions {
  const fromEnv = env.FACEMAT_CONTROL_URL ? checkValue(CTL_SPEC.options.url, env.FACEMAT_CONTROL_URL, '$FACEMAT_CONTROL_URL') : undefined;
  return { url: values.url ?? fromEnv ?? DEFAULT_URL, password: values.password ?? null, passwordFile: values['password-file'] ?? null, json: values.json ?? false };
}

function readPassword(options: CtlOptions): string {
  if (options.password !== null) return options.password;
  const file = options.passwordFile ?? join(configDir(), 'control-password');
  if (!existsSync(file)) {
    throw new ControlClientError(0, 'no-password', `no control password at ${file}: run \`facemat run\` once (it creates it) or pass --password`);
  }
  return readFileSync(file, 'utf8').trim();
}

/** Turns "strength=0.4" into a typed setting, using the catalogue to know which are numbers. */
function parseSetting(filter: string, pair: string): [string, string | number] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`"${pair}" is not key=value`);
  const key = pair.slice(0, eq);
  const raw = pair.slice(eq + 1);
  const spec = isFilterName(filter) ? FILTERS[filter].params[key] : undefined;
  if (spec?.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${filter}.${key} needs a number, got "${raw}"`);
    return [key, n];
  }
  return [key, raw];
}

type Request = { method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown; describe: (data: Record<string, unknown>) => string };

const seg = encodeURIComponent;

function filterLine(state: PipelineState, name: string): string {
  const f = state.filters.find((x) => x.name === name);
  return f ? `${name}: ${f.enabled ? 'on' : 'off'}` : name;
}

/** Maps a ctl command line to one API request and how to report its answer. */
function requestFor(rest: string[]): Request {
  const [cmd, ...args] = rest;
  const need = (n: number, what: string) => {
    if (args.length < n) throw new UsageError(`${cmd} needs ${what}`);
  };
  const stateOf = (d: Record<string, unknown>) => d.state as PipelineState;
  switch (cmd) {
    case 'state':
      return { method: 'GET', path: '/api/state', describe: (d) => describeState(d as unknown as PipelineState) };
    case 'metrics':
      return { method: 'GET', path: '/api/metrics', describe: (d) => describeMetrics(d) };
    case 'toggle':
    case 'enable':
    case 'disable':
      need(1, 'a filter name');
      return { method: 'POST', path: `/api/filters/${seg(args[0])}/${cmd}`, describe: (d) => filterLine(stateOf(d), args[0]) };
    case 'set': {
      need(2, 'a filter name and at least one key=value');
      const settings = Object.fromEntries(args.slice(1).map((pair) => parseSetting(args[0], pair)));
      return {
        method: 'PUT',
        path: `/api/filters/${seg(args[0])}/settings`,
        body: settings,
        describe: (d) => {
          const f = stateOf(d).filters.find((x) => x.name === args[0]);
          return `${args[0]}: ${Object.entries(f?.settings ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`;
        },
      };
    }
    case 'preset':
      need(1, 'a preset name, next or previous');
      return { method: 'POST', path: `/api/presets/${seg(args.join(' '))}`, describe: (d) => `preset: ${stateOf(d).preset}` };
    case 'pause':
    case 'resume':
      return { method: 'POST', path: `/api/camera/${cmd}`, describe: (d) => `camera: ${stateOf(d).paused ? 'paused' : 'live'}` };
    case 'virtualcam': {
      need(1, 'start, stop or toggle');
      if (!['start', 'stop', 'toggle'].includes(args[0])) throw new UsageError(`virtualcam takes start, stop or toggle (got "${args[0]}")`);
      return { method: 'POST', path: `/api/virtualcam/${args[0]}`, describe: (d) => `virtual camera: ${stateOf(d).virtualcam.active ? 'on' : 'off'}` };
    }
    case 'action':
      need(1, 'an action name');
      return { method: 'POST', path: `/api/actions/${seg(args[0])}`, describe: (d) => `done: ${args[0]} (preset ${stateOf(d).preset})` };
    case undefined:
      throw new UsageError('missing command (see facemat ctl --help)');
    default:
      throw new UsageError(`unknown command "${cmd}" (see facemat ctl --help)`);
  }
}

function describeState(s: PipelineState): string {
  const cam = s.virtualcam.available ? (s.virtualcam.active ? 'on' : 'off') : `unavailable (${s.virtualcam.detail})`;
  const lines = [`preset: ${s.preset}`, `camera: ${s.paused ? 'paused' : 'live'}`, `virtual camera: ${cam}`, 'filters (chain order):'];
  for (const f of s.filters) {
    const settings = Object.entries(f.settings).map(([k, v]) => `${k}=${v === '' ? '""' : v}`).join(' ');
    lines.push(`  [${f.enabled ? 'x' : ' '}] ${f.name.padEnd(10)} ${settings}`);
  }
  return lines.join('\n');
}

function describeMetrics(d: Record<string, unknown>): string {
  const m = d.metrics as { videoFps: number; matteFps: number; latencyMs: Record<string, { p50: number; p99: number }> } | null;
  if (!m) return 'no metrics yet (the pipeline has not started)';
  const stages = Object.entries(m.latencyMs).map(([s, l]) => `  ${s.padEnd(10)} p50 ${l.p50.toFixed(1)} ms  p99 ${l.p99.toFixed(1)} ms`);
  return [`video ${m.videoFps} fps, matte ${m.matteFps} fps`, ...stages].join('\n');
}

/** `facemat ctl`, writing to the given streams (tests pass their own). */
export function createCtlCommand(io: CtlIo): CliCommand {
  return {
    name: 'ctl',
    summary: CTL_SPEC.summary,
    specs: [CTL_SPEC],
    async run(argv: string[]): Promise<number> {
      const { help, values, operands } = parseCommandLine(CTL_SPEC, argv);
      if (help) {
        io.stdout.write(helpText(CTL_SPEC) + '\n');
        return 0;
      }
      const options = ctlOptions(values, io.env);
      const request = requestFor(operands);
      try {
        const client = new ControlClient(options.url, readPassword(options));
        const data = await client.request(request.method, request.path, request.body);
        io.stdout.write((options.json ? JSON.stringify(data, null, 2) : request.describe(data)) + '\n');
        return 0;
      } catch (err) {
        if (!(err instanceof ControlClientError)) throw err;
        io.stderr.write(`facemat ctl: ${err.message}\n`);
        return 1;
      }
    },
  };
}

export const command: CliCommand = createCtlCommand({ stdout: process.stdout, stderr: process.stderr, env: process.env });
