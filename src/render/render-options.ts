import type { FilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import type { ProviderRequest } from '../pipeline/matte/index.js';

/** Everything `facemat render` can be told (cli/commands/render.ts checks and fills it). */
export interface RenderOptions {
  /** A video file, an image, a folder of images, or `v4l2:/dev/videoN` / `v4l2:auto`. */
  input: string;
  /** A video file (.mp4 .mov .mkv .webm .y4m) or a folder for PNGs (ends in / or exists). */
  output: string;
  /** A PNG folder beside a video output, or null. */
  png: string | null;
  preset: string;
  /** Filters in order, overriding the preset; null: the preset's. */
  filters: FilterName[] | null;
  matteOnly: boolean;
  model: string | null;
  provider: ProviderRequest;
  threads: number | null;
  faceCrop: boolean;
  temporal: boolean;
  /** Matte each frame mirrored too and average the two (twice the inference). */
  flipAverage: boolean;
  /** libx264/libvpx-vp9 CRF, or null for the default. */
  crf: number | null;
  /** Camera inputs: how long to record, in seconds. */
  duration: number | null;
  /** Camera inputs: size and rate asked of the camera; image folders: fps of a video output. */
  width: number;
  height: number;
  fps: number;
  inputFormat: 'auto' | 'mjpeg' | 'nv12' | 'yuyv' | 'i420';
  quiet: boolean;
  verbose: boolean;
}
