import { execFile } from 'node:child_process';
import type { TimeBase } from './frame-input.js';
import { InputError } from './frame-input.js';

/** What ffprobe says about a video file, before decoding it. */
export interface VideoProbe {
  /** Size of the decoded picture (after the rotation ffmpeg applies by default). */
  width: number;
  height: number;
  timeBase: TimeBase;
  /** Average frame rate, or 30 when the file does not say. */
  fps: number;
  /** Frame count the container declares (mp4, mov), or null. */
  declaredFrames: number | null;
  /** Duration in seconds, or null. */
  duration: number | null;
  /** The first audio stream's codec, or null without audio. */
  audioCodec: string | null;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  time_base?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  side_data_list?: Array<{ rotation?: number }>;
  disposition?: { attached_pic?: number };
}

function ratio(value: string | undefined): number | null {
  if (!value) return null;
  const [n, d] = value.split('/').map(Number);
  if (!Number.isFinite(n) || !Number.isFinite(d) || d === 0 || n === 0) return null;
  return n / d;
}

export function parseTimeBase(value: string | undefined): TimeBase | null {
  const m = /^(\d+)\/(\d+)$/.exec(value ?? '');
  if (!m || Number(m[1]) === 0 || Number(m[2]) === 0) return null;
  return { num: Number(m[1]), den: Number(m[2]) };
}

/** Reads the streams of `path` with ffprobe (no decoding). Throws InputError when it has no video. */
export async function probeVideo(path: string): Promise<VideoProbe> {
  const json = await new Promise<string>((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height,time_base,avg_frame_rate,r_frame_rate,nb_frames,duration:stream_side_data=rotation:stream_disposition=attached_pic:format=duration', '-of', 'json', path],
      { maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const why = String(stderr).trim().split('\n').pop() || err.message;
          reject(new InputError(`cannot read ${path}: ${why.replace(`${path}: `, '')}`));
        } else resolve(stdout);
      },
    );
  });
  const data = JSON.parse(json) as { streams?: ProbeStream[]; format?: { duration?: string } };
  const streams = data.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video || !video.width || !video.height) throw new InputError(`${path} has no video stream`);
  const rotation = Math.abs(video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? 0) % 180;
  const [width, height] = rotation === 90 ? [video.height, video.width] : [video.width, video.height];
  const declared = Number(video.nb_frames);
  const duration = Number(video.duration ?? data.format?.duration);
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    width,
    height,
    timeBase: parseTimeBase(video.time_base) ?? { num: 1, den: 1_000_000 },
    fps: ratio(video.avg_frame_rate) ?? ratio(video.r_frame_rate) ?? 30,
    declaredFrames: Number.isInteger(declared) && declared > 0 ? declared : null,
    duration: Number.isFinite(duration) && duration > 0 ? duration : null,
    audioCodec: audio?.codec_name ?? null,
  };
}
