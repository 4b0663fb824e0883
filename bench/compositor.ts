/**
 * Compositor cost per frame on this machine (headless-gl on Mesa llvmpipe, no GPU): the whole
 * composite() call, so frame upload, matte upload and upsampling, the filter passes, the blend and
 * the read-back, for each filter alone (catalogue defaults) and the default preset, at 1280x720 and
 * 1920x1080. The face is an ellipse 0.32 x 0.44 of the frame height (230 x 317 px at 720p, a
 * head-and-shoulders webcam shot) with a finger across it, in a 256x256 matte whose roi is the face
 * box padded by 35 % on each side, as the matte engine's face crop makes it. Like a real model's
 * output (the interim student's, measured on the sample clip) the matte is not clean: alpha about
 * 0.88 +- 0.04 on the face and up to 0.015 of noise on the background. The compositor works on the
 * face's pixels, not the whole roi. Frames without a face cost a copy ("no face").
 *
 * Reported per case: median, p90 and min wall ms over the measured frames, and the median of this
 * process's CPU ms (llvmpipe's threads included). The machine is shared: the load average at the
 * start is reported too; compare cases within one run.
 */
import { loadavg } from 'node:os';
import { GlCompositor } from '../src/pipeline/composite/gl-compositor.js';
import { defaultSettings, FILTER_NAMES, type FilterInstance, type FilterName } from '../src/pipeline/filter-settings/filter-catalogue.js';
import { chainForPreset } from '../src/pipeline/filter-settings/filter-chain.js';
import { DEFAULT_PRESET, PRESETS } from '../src/pipeline/filter-settings/presets.js';
import type { Frame, Matte } from '../src/pipeline/frame.js';
import { webcamLikePicture } from './synthetic-picture.js';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];
const WARMUP = 5;
const FRAMES = 30;
const MATTE = 256;
/** The target for the default preset at 720p on this machine. */
const TARGET_720P_MS = 20;

function syntheticFrame(width: number, height: number): Frame {
  const rgba = webcamLikePicture(width, height);
  const frame: Frame = { seq: 1, captureMs: 0, width, height, rgba, retain: () => frame, release: () => {} };
  return frame;
}

/** Face ellipse size as a fraction of the frame height; the roi pads the face box by 35 % a side. */
const FACE_W = 0.32;
const FACE_H = 0.44;
const PADDING = 0.35;

function faceMatte(width: number, height: number): Matte {
  const side = Math.round(height * FACE_H * (1 + 2 * PADDING));
  // Ellipse radii in roi units.
  const rx = (FACE_W * height) / 2 / side;
  const ry = (FACE_H * height) / 2 / side;
  const alpha = new Float32Array(MATTE * MATTE);
  let seed = 777;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 24;
  };
  for (let y = 0; y < MATTE; y++) {
    for (let x = 0; x < MATTE; x++) {
      const u = (x + 0.5) / MATTE - 0.5;
      const v = (y + 0.5) / MATTE - 0.5;
      const face = Math.min(1, Math.max(0, (1 - Math.hypot(u / rx, v / ry)) * 12));
      const finger = Math.abs(u - rx / 3) < rx / 7 && v > -ry / 4 ? 0 : 1;
      const clean = face * finger;
      alpha[y * MATTE + x] = clean * (0.84 + 0.08 * noise()) + (1 - clean) * 0.015 * noise();
    }
  }
  return {
    seq: 1,
    captureMs: 0,
    width: MATTE,
    height: MATTE,
    alpha,
    uncertainty: null,
    roi: { x: (width - side) / 2, y: (height - side) / 2, width: side, height: side },
    empty: false,
  };
}

function only(name: FilterName): FilterInstance[] {
  return FILTER_NAMES.map((n) => ({ name: n, enabled: n === name, settings: defaultSettings(n) }));
}

interface CaseResult {
  medianMs: number;
  p90Ms: number;
  minMs: number;
  cpuMedianMs: number;
}

function measure(compositor: GlCompositor, frame: Frame, matte: Matte | null, chain: FilterInstance[]): CaseResult {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + FRAMES; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    compositor.composite(frame, matte, chain);
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    if (i < WARMUP) continue;
    wall.push(t1 - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    medianMs: round(wall[FRAMES >> 1]),
    p90Ms: round(wall[Math.floor(FRAMES * 0.9)]),
    minMs: round(wall[0]),
    cpuMedianMs: round(cpu[FRAMES >> 1]),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const preset = PRESETS.find((p) => p.name === DEFAULT_PRESET)!;
  const result: Record<string, unknown> = {
    what: 'ms per composite() call (upload + matte upsampling + filters + blend + read-back), filters at catalogue defaults',
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    framesPerCase: FRAMES,
    face: `ellipse ${FACE_W} x ${FACE_H} of the frame height with a finger across; roi = face box + ${PADDING * 100} % a side; 256x256 matte, alpha 0.88 +- 0.04 on the face, noise up to 0.015 elsewhere`,
    defaultPreset: DEFAULT_PRESET,
  };
  for (const { width, height } of SIZES) {
    const compositor = new GlCompositor();
    await compositor.open({ width, height, fps: 30 });
    try {
      result.renderer ??= compositor.description;
      const frame = syntheticFrame(width, height);
      const matte = faceMatte(width, height);
      const cases: Record<string, CaseResult> = {};
      cases['no face'] = measure(compositor, frame, null, chainForPreset(preset));
      for (const name of FILTER_NAMES) cases[name] = measure(compositor, frame, matte, only(name));
      cases[`preset ${DEFAULT_PRESET}`] = measure(compositor, frame, matte, chainForPreset(preset));
      result[`${width}x${height}`] = cases;
      if (height === 720) {
        const ms = cases[`preset ${DEFAULT_PRESET}`].medianMs;
        result.defaultPreset720pTarget = { targetMs: TARGET_720P_MS, medianMs: ms, met: ms <= TARGET_720P_MS };
      }
    } finally {
      await compositor.close();
    }
  }
  return result;
}
