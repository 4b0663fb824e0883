import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { AudioInfo, TimeBase } from './frame-input.js';
import type { MatroskaPixelFormat } from './matroska-writer.js';

export type ContainerKind = 'mp4' | 'mov' | 'mkv' | 'webm' | 'y4m';

export const VIDEO_EXTENSIONS: Record<string, ContainerKind> = { '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'mkv', '.webm': 'webm', '.y4m': 'y4m' };

/** Where render writes: a video file, a folder of PNGs, or both. */
export interface OutputTargets {
  video: { path: string; kind: ContainerKind } | null;
  pngDir: string | null;
}

/** An output path render cannot write (cli turns it into a usage error). */
export class OutputSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputSpecError';
  }
}

/**
 * `output` is a video file by its extension, or a folder of PNGs when it ends in "/" or is an
 * existing folder; `--png DIR` adds a PNG folder beside a video file.
 */
export function outputTargets(output: string, png: string | null): OutputTargets {
  const isDir = output.endsWith('/') || (existsSync(output) && statSync(output).isDirectory());
  if (isDir) {
    if (png !== null) throw new OutputSpecError(`--png ${png}: the output ${output} is already a folder of PNGs`);
    return { video: null, pngDir: output };
  }
  const kind = VIDEO_EXTENSIONS[extname(output).toLowerCase()];
  if (!kind) {
    throw new OutputSpecError(`cannot tell what to write from "${output}" (a video: ${Object.keys(VIDEO_EXTENSIONS).join(', ')}; a folder of PNGs: end it with /)`);
  }
  return { video: { path: output, kind }, pngDir: png };
}

/** Audio codecs each container takes as they are; anything else is re-encoded to `reencode`. */
const AUDIO: Record<Exclude<ContainerKind, 'y4m'>, { copy: ReadonlySet<string> | 'all'; reencode: string[] }> = {
  mp4: { copy: new Set(['aac', 'mp3', 'alac', 'ac3', 'eac3']), reencode: ['-c:a', 'aac', '-b:a', '192k'] },
  mov: { copy: new Set(['aac', 'mp3', 'alac', 'ac3', 'eac3', 'pcm_s16le', 'pcm_s16be', 'pcm_s24le', 'pcm_f32le']), reencode: ['-c:a', 'aac', '-b:a', '192k'] },
  webm: { copy: new Set(['opus', 'vorbis']), reencode: ['-c:a', 'libopus', '-b:a', '128k'] },
  mkv: { copy: 'all', reencode: [] },
};

/** How the audio of the input goes into a container: "copy", a re-encode, or none. */
export function audioArgs(kind: ContainerKind, audio: AudioInfo | null): string[] {
  if (!audio || kind === 'y4m') return [];
  const rule = AUDIO[kind];
  const copy = rule.copy === 'all' || rule.copy.has(audio.codec);
  return ['-map', '1:a?', ...(copy ? ['-c:a', 'copy'] : rule.reencode)];
}

export interface EncoderPlan {
  targets: OutputTargets;
  width: number;
  height: number;
  pixelFormat: MatroskaPixelFormat;
  timeBase: TimeBase;
  fps: number;
  /** The input's audio, kept in the video output; null for none. */
  audio: AudioInfo | null;
  /** Quality: libx264's CRF (default 18), libvpx-vp9's (default 31). */
  crf: number | null;
}

/**
 * The encoding ffmpeg's arguments: input 0 is render's Matroska stream on stdin (every frame with
 * its timestamp), input 1 the original file when its audio is kept. Timestamps go through
 * unchanged (-copyts, passthrough, the encoder in the input's time base, mp4/mov tracks in its
 * timescale), so frame k of the output has frame k's pts.
 */
export function encoderArgs(plan: EncoderPlan): string[] {
  const { targets, width, height, timeBase, audio } = plan;
  const keepAudio = targets.video !== null && targets.video.kind !== 'y4m' && audio !== null;
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-y', '-copyts', '-f', 'matroska', '-i', 'pipe:0'];
  if (keepAudio) args.push('-i', audio!.path);
  const even = width % 2 || height % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : [];
  const encTimeBase = `${timeBase.num}/${timeBase.den}`;
  if (targets.video) {
    const { path, kind } = targets.video;
    args.push('-map', '0:v', '-fps_mode', 'passthrough');
    switch (kind) {
      case 'mp4':
      case 'mov':
      case 'mkv':
        args.push(...even, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(plan.crf ?? 18), '-pix_fmt', 'yuv420p', '-enc_time_base', encTimeBase);
        if (kind !== 'mkv') args.push('-movflags', '+faststart');
        if (kind !== 'mkv' && timeBase.num === 1 && timeBase.den >= 1000) args.push('-video_track_timescale', String(timeBase.den));
        break;
      case 'webm':
        args.push(...even, '-c:v', 'libvpx-vp9', '-crf', String(plan.crf ?? 31), '-b:v', '0', '-deadline', 'good', '-cpu-used', '5', '-row-mt', '1', '-pix_fmt', 'yuv420p', '-enc_time_base', encTimeBase);
        break;
      case 'y4m':
        // One rate for all frames: every frame is kept, in order, at the input's average rate.
        args.push('-r', String(Math.round(plan.fps * 1000) / 1000), '-pix_fmt', plan.pixelFormat === 'gray' ? 'gray' : 'yuv420p', '-f', 'yuv4mpegpipe');
        break;
    }
    if (keepAudio) args.push(...audioArgs(kind, audio), '-shortest');
    args.push(path);
  }
  if (targets.pngDir) {
    args.push('-map', '0:v', '-fps_mode', 'passthrough', '-c:v', 'png', '-pix_fmt', plan.pixelFormat === 'gray' ? 'gray' : 'rgb24', '-f', 'image2', '-start_number', '1', pngPattern(targets.pngDir));
  }
  return args;
}

/** Frame k (from 1) of a video goes to DIR/frame-00000k.png. */
export function pngPattern(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/frame-%06d.png`;
}
