/**
 * Pipeline stages for the OBS bridge tests, run by the real Scheduler and PipelineController:
 * a camera that films a still "face" (a skin-toned rectangle on a blue background), a matte
 * engine that finds the face exactly there, and a compositor whose "recolor" filter paints the
 * face region a signature magenta. The real model and GL filters have their own suites; here
 * the point is that what OBS shows is our filtered output: the face region carries the
 * filter's signature while the rest of the frame does not.
 */
import type { Frame, Matte, OutputFrame, VideoFormat } from '../../../src/pipeline/frame.js';
import type { FrameSource } from '../../../src/pipeline/source/frame-source.js';
import type { MatteEngine } from '../../../src/pipeline/matte/matte-engine.js';
import type { Compositor } from '../../../src/pipeline/composite/compositor.js';
import type { FilterInstance } from '../../../src/pipeline/control/filter-catalogue.js';
import { FramePacer } from '../../../src/pipeline/source/frame-pacer.js';

export const SCENE_FORMAT: VideoFormat = { width: 320, height: 180, fps: 15 };
/** The face rectangle, in frame pixels. */
export const FACE = { x: 120, y: 40, width: 80, height: 100 };
export const BACKGROUND: RGB = [40, 80, 160];
export const SKIN: RGB = [222, 178, 150];
/** What the test "recolor" filter turns the face into. */
export const SIGNATURE: RGB = [255, 0, 255];

export type RGB = [number, number, number];

export class StillFaceSource implements FrameSource {
  readonly description = 'still face (test)';
  private pacer: FramePacer | null = null;
  private picture: Uint8Array | null = null;

  async open(requested: VideoFormat): Promise<VideoFormat> {
    const { width, height } = requested;
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        paint(rgba, width, x, y, insideFace(x, y) ? SKIN : BACKGROUND);
      }
    }
    this.picture = rgba;
    this.pacer = new FramePacer(requested.fps);
    return { ...requested };
  }

  async read(target: Uint8Array): Promise<number | null> {
    const captureMs = await this.pacer!.wait();
    target.set(this.picture!);
    return captureMs;
  }

  async close(): Promise<void> {
    this.picture = null;
  }
}

export class FaceBoxMatteEngine implements MatteEngine {
  readonly description = 'face box (test)';
  readonly provider = 'none';

  async run(frame: Frame): Promise<Matte> {
    return {
      seq: frame.seq,
      captureMs: frame.captureMs,
      width: 4,
      height: 4,
      alpha: new Float32Array(16).fill(1),
      uncertainty: null,
      roi: { ...FACE },
      empty: false,
    };
  }

  async close(): Promise<void> {}
}

export class SignatureCompositor implements Compositor {
  readonly description = 'signature (test)';
  private out: { seq: number; captureMs: number; width: number; height: number; rgba: Uint8Array } | null = null;

  async open(format: VideoFormat): Promise<void> {
    this.out = { seq: 0, captureMs: 0, width: format.width, height: format.height, rgba: new Uint8Array(format.width * format.height * 4) };
  }

  composite(frame: Frame, matte: Matte | null, chain: readonly FilterInstance[]): OutputFrame {
    const out = this.out!;
    out.seq = frame.seq;
    out.captureMs = frame.captureMs;
    out.rgba.set(frame.rgba);
    const recolor = chain.some((f) => f.name === 'recolor' && f.enabled);
    if (recolor && matte && !matte.empty) {
      const { x, y, width, height } = matte.roi;
      for (let row = y; row < y + height; row++) {
        for (let col = x; col < x + width; col++) paint(out.rgba, out.width, col, row, SIGNATURE);
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}

function insideFace(x: number, y: number): boolean {
  return x >= FACE.x && x < FACE.x + FACE.width && y >= FACE.y && y < FACE.y + FACE.height;
}

function paint(rgba: Uint8Array, width: number, x: number, y: number, [r, g, b]: RGB): void {
  const o = (y * width + x) * 4;
  rgba[o] = r;
  rgba[o + 1] = g;
  rgba[o + 2] = b;
  rgba[o + 3] = 255;
}

/** Whether a screenshot pixel is within `tolerance` of a colour on every channel. */
export function near(pixel: readonly number[], color: RGB, tolerance = 24): boolean {
  return color.every((c, i) => Math.abs(pixel[i] - c) <= tolerance);
}
