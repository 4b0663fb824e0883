import type { FilterName } from '../pipeline/filter-settings/filter-catalogue.js';

/** Everything `facemat run` can be told, after flags, the config file and defaults are merged. */
export interface RunOptions {
  source: string;
  /** A webcam's pixel format, or 'auto' to let the negotiation choose. */
  inputFormat: 'auto' | 'mjpeg' | 'nv12' | 'yuyv' | 'i420';
  sinks: string[];
  width: number;
  height: number;
  fps: number;
  model: string | null;
  provider: 'auto' | 'tensorrt' | 'cuda' | 'cpu';
  threads: number | null;
  filters: FilterName[] | null;
  preset: string;
  frames: number | null;
  metrics: string | null;
  control: { host: string; port: number } | null;
  password: string | null;
  loop: boolean;
  matteLag: number;
  faceCrop: boolean;
  temporal: boolean;
  hotkeys: string[];
  obs: string | null;
  obsPassword: string | null;
  obsScene: string | null;
  obsVirtualcam: boolean;
  obsScenePresets: Record<string, string>;
  verbose: boolean;
}
