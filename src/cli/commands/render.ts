import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { parseRunOption, runOptionHelp } from '../run-options.js';
import { setLogLevel } from '../../log.js';
import { PRESETS, DEFAULT_PRESET } from '../../pipeline/filter-settings/presets.js';
import { DecodeError, InputError, OutputSpecError, Renderer, clock, type RenderOptions } from '../../render/index.js';
import { errorMessage } from '../../util/error-message.js';

const HELP = `usage: facemat render INPUT OUTPUT [options]

Renders a recording through the face matte and filters, offline: every input frame comes out
once, in order, with the matte computed for that frame (no frame dropped, no matte reused), with
the input's frame timing (variable frame rates too) and its audio.

INPUT    a video file (anything ffmpeg reads), a PNG/JPEG image, a folder of them (name order,
         taken as a sequence), or a camera: v4l2:/dev/videoN or v4l2:auto with --duration
OUTPUT   a video by its extension: .mp4/.m4v (H.264, yuv420p, +faststart), .mov (H.264),
         .mkv (H.264), .webm (VP9), .y4m (uncompressed, one frame rate, no audio);
         or a folder of PNGs: a path ending in / or an existing folder (frame-000001.png...,
         or the images' own names for image inputs)

options:
  --png DIR               also write every frame as a PNG into DIR, beside a video OUTPUT
  --preset NAME           ${runOptionHelp('preset').accepts} (default ${DEFAULT_PRESET})
  --filters LIST          ${runOptionHelp('filters').help}: ${runOptionHelp('filters').accepts}
  --matte-only            write the face matte instead (gray: 255 = face skin, 0 = what covers
                          it and the background), as video or PNGs, for other editors; no audio
  --model M               ${runOptionHelp('model').help} (default: the shipped model)
  --provider P            ${runOptionHelp('provider').accepts} (default auto)
  --threads N             ${runOptionHelp('threads').help}
  --no-face-crop          run the model on the whole frame, not a crop around the face
  --no-temporal           no temporal smoothing of the matte (applied in frame order otherwise)
  --crf N                 video quality, lower is better: 0..51 for H.264 (default 18),
                          0..63 for VP9 (default 31)
  --duration S            camera inputs: seconds to record (required for a camera)
  --size WxH              camera inputs: the size asked of the camera (default 1280x720)
  --fps N                 camera inputs: the rate asked; image inputs: the rate of a video
                          OUTPUT (default 30)
  --input-format F        camera inputs: ${runOptionHelp('inputFormat').accepts}
  --quiet                 no progress (errors and the summary line only)
  --verbose               log what each stage does
  -h, --help              this help

Progress goes to stderr: a bar redrawn in place on a terminal (frames, fps, ETA), a plain line
every 2 s otherwise. Ctrl-C (SIGINT) or SIGTERM stops cleanly: the frames in flight are finished,
the file is closed and playable, and the count written is printed. A bad or truncated input
stops with the frame number where decoding failed; the frames before it are kept.

Presets: ${PRESETS.map((p) => p.name).join(', ')}.
Exit status: 0 done, 1 the input or the model failed (frames done are kept), 2 bad usage,
130 stopped by SIGINT, 143 stopped by SIGTERM.`;

export function parseRenderOptions(argv: string[]): RenderOptions | 'help' {
  const positional: string[] = [];
  const options: RenderOptions = {
    input: '',
    output: '',
    png: null,
    preset: DEFAULT_PRESET,
    filters: null,
    matteOnly: false,
    model: null,
    provider: 'auto',
    threads: null,
    faceCrop: true,
    temporal: true,
    crf: null,
    duration: null,
    width: 1280,
    height: 720,
    fps: 30,
    inputFormat: 'auto',
    quiet: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg === '--' ? argv[++i] : arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value (see facemat render --help)`);
      return v;
    };
    const on = (): true => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      return true;
    };
    switch (flag) {
      case '--png':
        options.png = value();
        break;
      case '--preset':
        options.preset = parseRunOption('preset', value(), flag).preset;
        break;
      case '--filters':
        options.filters = parseRunOption('filters', value(), flag).filters;
        break;
      case '--matte-only':
        options.matteOnly = on();
        break;
      case '--model':
        options.model = parseRunOption('model', value(), flag).model;
        break;
      case '--provider':
        options.provider = parseRunOption('provider', value(), flag).provider;
        break;
      case '--threads':
        options.threads = parseRunOption('threads', value(), flag).threads;
        break;
      case '--face-crop':
      case '--no-face-crop':
        on();
        options.faceCrop = flag === '--face-crop';
        break;
      case '--temporal':
      case '--no-temporal':
        on();
        options.temporal = flag === '--temporal';
        break;
      case '--crf': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 63) throw new UsageError(`invalid value "${v}" for --crf (accepted: an integer 0..51 for H.264, 0..63 for VP9)`);
        options.crf = Number(v);
        break;
      }
      case '--duration': {
        const v = value();
        const s = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || s <= 0) throw new UsageError(`invalid value "${v}" for --duration (accepted: seconds > 0, e.g. 10 or 2.5)`);
        options.duration = s;
        break;
      }
      case '--size': {
        const parsed = parseRunOption('width', value(), flag);
        options.width = parsed.width;
        options.height = parsed.height;
        break;
      }
      case '--fps':
        options.fps = parseRunOption('fps', value(), flag).fps;
        break;
      case '--input-format':
        options.inputFormat = parseRunOption('inputFormat', value(), flag).inputFormat;
        break;
      case '--quiet':
        options.quiet = on();
        break;
      case '--verbose':
        options.verbose = on();
        break;
      default:
        throw new UsageError(`unknown option ${flag} (see facemat render --help)`);
    }
  }
  if (positional.length !== 2) {
    throw new UsageError(`expected INPUT and OUTPUT, got ${positional.length === 0 ? 'neither' : positional.map((p) => `"${p}"`).join(' ')} (see facemat render --help)`);
  }
  [options.input, options.output] = positional;
  if (options.matteOnly && options.filters !== null) throw new UsageError('--matte-only writes the matte alone: it cannot be combined with --filters');
  if (options.input.startsWith('v4l2:') && options.duration === null) throw new UsageError(`a camera input (${options.input}) needs --duration SECONDS`);
  if (!options.input.startsWith('v4l2:') && options.duration !== null) throw new UsageError('--duration is for camera inputs (v4l2:...)');
  return options;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const command: CliCommand = {
  name: 'render',
  summary: 'Render a video file, images or a camera through the filters into a video file or PNGs, every frame',
  async run(argv) {
    const options = parseRenderOptions(argv);
    if (options === 'help') {
      process.stdout.write(HELP + '\n');
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
