import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { RUN_SPEC } from '../run-options.js';
import { accept, commandSpec, flag, reject, value } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';
import type { FilterName } from '../../pipeline/filter-settings/filter-catalogue.js';
import { setLogLevel } from '../../log.js';
import { PRESETS, DEFAULT_PRESET } from '../../pipeline/filter-settings/presets.js';
import { InputError, OutputSpecError, Renderer, clock, type RenderOptions } from '../../render/index.js';
import { errorMessage } from '../../util/error-message.js';

/** Options shared with `facemat run`, checked exactly as run checks them (no config file here). */
function fromRun<K extends keyof typeof RUN_SPEC.options>(name: K, help?: string): (typeof RUN_SPEC.options)[K] {
  const { configKey: _configKey, ...option } = RUN_SPEC.options[name];
  return { ...option, ...(help ? { help } : {}) } as (typeof RUN_SPEC.options)[K];
}

export const RENDER_SPEC = commandSpec({
  name: 'render',
  summary: 'Render a video file, images or a camera through the filters into a video file or PNGs, every frame',
  usage: 'INPUT OUTPUT [options]',
  about: `Renders a recording through the face matte and filters, offline: every input frame comes out
once, in order, with the matte computed for that frame (no frame dropped, no matte reused), with
the input's frame timing (variable frame rates too) and its audio.

INPUT    a video file (anything ffmpeg reads), a PNG/JPEG image, a folder of them (name order,
         taken as a sequence), or a camera: v4l2:/dev/videoN or v4l2:auto with --duration
OUTPUT   a video by its extension: .mp4/.m4v (H.264, yuv420p, +faststart), .mov (H.264),
         .mkv (H.264), .webm (VP9), .y4m (uncompressed, one frame rate, no audio);
         or a folder of PNGs: a path ending in / or an existing folder (frame-000001.png...,
         or the images' own names for image inputs)

Progress goes to stderr: a bar redrawn in place on a terminal (frames, fps, ETA), a plain line
every 2 s otherwise. Ctrl-C (SIGINT) or SIGTERM stops cleanly: the frames in flight are finished,
the file is closed and playable, and the count written is printed. A bad or truncated input
stops with the frame number where decoding failed; the frames before it are kept.`,
  operands: 'any',
  options: {
    png: value({ arg: 'DIR', defaultText: 'none', help: 'also write every frame as a PNG into DIR, beside a video OUTPUT' }),
    preset: fromRun('preset', `the preset: ${PRESETS.map((p) => `\`${p.name}\``).join(', ')}`),
    filters: fromRun('filters'),
    'matte-only': flag({ help: 'write the face matte instead (gray: 255 = face skin, 0 = what covers it and the background), as video or PNGs, for other editors; no audio' }),
    model: fromRun('model'),
    provider: fromRun('provider'),
    threads: fromRun('threads'),
    'face-crop': fromRun('face-crop'),
    temporal: fromRun('temporal', 'temporal smoothing of the matte, applied in frame order'),
    'flip-average': flag({ help: 'also matte each frame mirrored left-right and average the two before the temporal smoothing, as `facemat matte` does for stills: a slightly better matte (IoU +0.002 to +0.004 on the real validation photos) for twice the inference' }),
    crf: value({ arg: 'N', accepts: 'an integer 0..51 for H.264, 0..63 for VP9', parse: accept.integer(0, 63), defaultText: '18 (H.264), 31 (VP9)', help: 'video quality, lower is better' }),
    duration: value({ arg: 'S', accepts: 'seconds > 0, e.g. 10 or 2.5', parse: parseSeconds, defaultText: 'required for a camera', help: 'camera inputs: seconds to record' }),
    size: fromRun('size', 'camera inputs: the size asked of the camera'),
    fps: fromRun('fps', 'camera inputs: the rate asked; image inputs: the rate of a video OUTPUT'),
    'input-format': fromRun('input-format', "camera inputs: the camera's pixel format"),
    quiet: flag({ help: 'no progress (errors and the summary line only)' }),
    verbose: flag({ help: 'log what each stage does' }),
  },
  footer: 'Exit status: 0 done, 1 the input or the model failed (frames done are kept), 2 bad usage,\n130 stopped by SIGINT, 143 stopped by SIGTERM.',
});

function parseSeconds(raw: string): number {
  return /^\d+(\.\d+)?$/.test(raw) && Number(raw) > 0 ? Number(raw) : reject();
}

export function parseRenderOptions(argv: string[]): RenderOptions | 'help' {
  const { help, values: v, operands } = parseCommandLine(RENDER_SPEC, argv);
  if (help) return 'help';
  if (operands.length !== 2) {
    throw new UsageError(`expected INPUT and OUTPUT, got ${operands.length === 0 ? 'neither' : operands.map((p) => `"${p}"`).join(' ')} (see facemat render --help)`);
  }
  const filters = v.filters ?? null;
  if (filters && filters.includes('none') && filters.length > 1) throw new UsageError('--filters: "none" cannot be combined with filters');
  const options: RenderOptions = {
    input: operands[0],
    output: operands[1],
    png: v.png ?? null,
    preset: v.preset ?? DEFAULT_PRESET,
    filters: filters ? (filters.filter((f) => f !== 'none') as FilterName[]) : null,
    matteOnly: v['matte-only'] ?? false,
    model: v.model ?? null,
    provider: v.provider ?? 'auto',
    threads: v.threads ?? null,
    faceCrop: v['face-crop'] ?? true,
    temporal: v.temporal ?? true,
    flipAverage: v['flip-average'] ?? false,
    crf: v.crf ?? null,
    duration: v.duration ?? null,
    width: v.size?.width ?? 1280,
    height: v.size?.height ?? 720,
    fps: v.fps ?? 30,
    inputFormat: v['input-format'] ?? 'auto',
    quiet: v.quiet ?? false,
    verbose: v.verbose ?? false,
  };
  if (options.matteOnly && options.filters !== null) throw new UsageError('--matte-only writes the matte alone: it cannot be combined with --filters');
  if (options.input.startsWith('v4l2:') && options.duration === null) throw new UsageError(`a camera input (${options.input}) needs --duration SECONDS`);
  if (!options.input.startsWith('v4l2:') && options.duration !== null) throw new UsageError('--duration is for camera inputs (v4l2:...)');
  return options;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const command: CliCommand = {
  name: 'render',
  summary: RENDER_SPEC.summary,
  specs: [RENDER_SPEC],
  async run(argv) {
    const options = parseRenderOptions(argv);
    if (options === 'help') {
      process.stdout.write(helpText(RENDER_SPEC) + '\n');
      return 0;
    }
    setLogLevel(options.verbose ? 'debug' : 'warn');
    const say = (line: string) => process.stderr.write(`render: ${line}\n`);
    let renderer: Renderer;
    try {
      renderer = await Renderer.open(options, { mode: options.quiet ? 'quiet' : process.stderr.isTTY ? 'bar' : 'lines', stream: process.stderr });
    } catch (err) {
      if (err instanceof OutputSpecError) throw new UsageError(err.message);
      say(err instanceof InputError ? err.message : options.verbose && err instanceof Error ? (err.stack ?? err.message) : errorMessage(err));
      return 1;
    }
    if (!options.quiet) say(`${renderer.description} -> ${options.output}${options.png ? ` and ${options.png}` : ''}`);

    let signal: NodeJS.Signals | null = null;
    const onSignal = (received: NodeJS.Signals) => {
      if (signal) {
        say(`${received} again: exiting without finishing ${options.output}`);
        process.exit(SIGNAL_EXIT[received] ?? 130);
      }
      signal = received;
      if (process.stderr.isTTY && !options.quiet) process.stderr.write('\n');
      say(`${received}: finishing the frames in flight and closing ${options.output}`);
      renderer.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = performance.now();
    try {
      const summary = await renderer.run();
      const seconds = (performance.now() - started) / 1000;
      const rate = `${clock(seconds)}, ${(summary.frames / Math.max(seconds, 1e-3)).toFixed(1)} fps`;
      if (summary.decodeError) {
        const kept = summary.frames ? `; the ${summary.frames} frame${summary.frames === 1 ? '' : 's'} before it ${summary.frames === 1 ? 'is' : 'are'} in ${summary.written}` : '; nothing was written';
        say(`${options.input}: ${summary.decodeError.message}${kept}`);
        return 1;
      }
      if (signal) {
        say(`stopped by ${signal}: wrote ${summary.frames} frames to ${summary.written || options.output} (${rate}); the file is complete`);
        return SIGNAL_EXIT[signal] ?? 130;
      }
      if (summary.frames === 0) {
        say(`${options.input} has no frames; nothing was written`);
        return 1;
      }
      say(`wrote ${summary.frames} frames to ${summary.written} (${rate})`);
      return 0;
    } catch (err) {
      say(`failed: ${options.verbose && err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}`);
      return signal ? (SIGNAL_EXIT[signal] ?? 1) : 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
