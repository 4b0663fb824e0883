/**
 * Test stages for the OBS bridge tests, run by the real Scheduler, PipelineController and GL
 * compositor: a camera that films a still "face" (a skin-toned rectangle on a blue background)
 * and a matte engine that finds the face exactly there (the real model has its own suites). With
 * the recolor filter on, the face region carries the filter's green tint while the rest of the
 * frame stays as filmed: that is what the tests look for in OBS.
 */
import type { Frame, Matte, VideoFormat } from '../../../src/pipeline/frame.js';
import type { FrameSource } from '../../../src/pipeline/source/frame-source.js';
import type { MatteEngine } from '../../../src/pipeline/matte/matte-engine.js';
import { GlCompositor } from '../../../src/pipeline/composite/gl-compositor.js';
import { defaultSettings, type FilterInstance } from '../../../src/pipeline/filter-settings/filter-catalogue.js';
import { completeChain } from '../../../src/pipeline/filter-settings/filter-chain.js';
import { FramePacer } from '../../../src/pipeline/source/frame-pacer.js';
import { solidMatte } from '../../helpers/stage-doubles.js';

export const SCENE_FORMAT: VideoFormat = { width: 320, height: 180, fps: 15 };
/** The face rectangle, in frame pixels. */
export const FACE = { x: 120, y: 40, width: 80, height: 100 };
export const BACKGROUND: RGB = [40, 80, 160];
export const SKIN: RGB = [222, 178, 150];

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
    return solidMatte(frame, FACE);
  }

  async close(): Promise<void> {}
}

/** The recolor filter at full strength with a green tint: unmistakable on skin, absent elsewhere. */
export const SIGNATURE_SETTINGS = { tint: '#00ff00', amount: 1 };

/** A chain with only the signature filter enabled. */
export function signatureChain(): FilterInstance[] {
  return completeChain([{ name: 'recolor', enabled: true, settings: { ...defaultSettings('recolor'), ...SIGNATURE_SETTINGS } }]);
}

/**
 * What the real compositor makes of the still face with `chain`: the colour of the face and of
 * the background, rendered once by a GlCompositor of our own (the pipeline's is busy).
 */
export async function referenceColours(chain: readonly FilterInstance[]): Promise<{ face: RGB; background: RGB }> {
  const source = new StillFaceSource();
  const format = await source.open({ ...SCENE_FORMAT, fps: 1000 });
  const rgba = new Uint8Array(format.width * format.height * 4);
  await source.read(rgba);
  await source.close();
  const frame: Frame = { seq: 0, captureMs: 0, width: format.width, height: format.height, rgba, retain: () => frame, release: () => {} };
  const matte = await new FaceBoxMatteEngine().run(frame);
  const compositor = new GlCompositor();
  await compositor.open(format);
  try {
    const out = compositor.composite(frame, matte, chain);
    const at = (x: number, y: number): RGB => {
      const o = (y * out.width + x) * 4;
      return [out.rgba[o], out.rgba[o + 1], out.rgba[o + 2]];
    };
    return { face: at(FACE.x + FACE.width / 2, FACE.y + FACE.height / 2), background: at(12, 12) };
  } finally {
    await compositor.close();
  }
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
