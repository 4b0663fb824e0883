import type { Frame, Matte, Rect } from '../frame.js';
import type { DecodedImage } from './image-file.js';
import type { MatteEngine } from './matte-engine.js';
import { type FaceRect, faceBox, faceInFrame, paddedFaceCrop } from './face-crop.js';
import { averageMirrored, mirrorRows } from './mirror.js';
import { bilinearUpsample, guidedUpsample } from './upsample.js';

/** A still image's matte at the image's size. */
export interface StillMatte {
  alpha: Float32Array;
  /** Null when the model has no uncertainty output or it was not asked for. */
  uncertainty: Float32Array | null;
}

export interface StillMatteOptions {
  /**
   * Also matte the mirrored image and average the two (test-time flip averaging). It doubles the
   * inference and, on the shipped student's validation split, raises IoU by about 0.006-0.007:
   * worth it offline, where there is no frame budget; the live pipeline runs one pass.
   */
  flipAverage: boolean;
  /**
   * Where the face fills only part of the picture, matte it a second time on the padded crop
   * around the face the first matte found (the live pipeline's face crop, src/pipeline/matte/
   * face-crop.ts), so the face gets far more model pixels. On 512x512 validation composites
   * (`python3 -m training.evaluate_deployed`) it raises IoU on faces under 45 % of the picture's
   * height by 0.05-0.13; larger faces keep the one pass.
   */
  faceCrop: boolean;
  /**
   * Also matte a zoomed view, a square of ZOOM_VIEW_SIDE of the first view's side centred on the
   * face, and average it in where it covers (feathered at its edges). Each view errs a little
   * differently at the outline, and their mean errs less: on the real validation photos (the
   * shipped student, `realocc`) IoU rises by about 0.002 on every group, clean, hair and glasses,
   * while the zoomed view alone scores below the whole one; on synthetic composites it gains on
   * every occluder but face masks (-0.008: four faces that fill their view, which it fails
   * whole; no gate found separates them, docs/model.md). Doubles the inference again.
   */
  zoomView: boolean;
  uncertainty: boolean;
}

/** The zoomed view's side as a share of the first view's (0.81 to 0.95 measured within 0.001 IoU). */
export const ZOOM_VIEW_SIDE = 0.81;
/** Its weight ramps from 0 at its edge to 1 over this share of its side, so no seam shows. */
const ZOOM_VIEW_FEATHER = 0.08;

/**
 * Mattes one picture with an engine opened without face crop and temporal filter (a still has no
 * previous matte: the face crop, when asked for, comes from this picture's own first pass). The
 * engine's mattes live in a small ring it reuses, so each one is upsampled to full size before
 * the next inference.
 */
export async function matteStill(engine: MatteEngine, image: DecodedImage, options: StillMatteOptions): Promise<StillMatte> {
  const result = await matteOnce(engine, image, options);
  if (!options.flipAverage) return result;
  const mirrored = { width: image.width, height: image.height, rgba: mirrorRows(image.rgba, image.width, image.height, 4) };
  const other = await matteOnce(engine, mirrored, options);
  averageMirrored(result.alpha, other.alpha, image.width, image.height);
  if (result.uncertainty && other.uncertainty) averageMirrored(result.uncertainty, other.uncertainty, image.width, image.height);
  return result;
}

/**
 * One matte of the picture: the whole picture, then its face crop where that gains resolution,
 * then the zoomed view averaged in.
 */
async function matteOnce(engine: MatteEngine, image: DecodedImage, options: StillMatteOptions): Promise<StillMatte> {
  const frame = stillFrame(image);
  let matte = await engine.run(frame);
  if (options.faceCrop && !matte.empty) {
    const crop = paddedFaceCrop(faceOf(matte), image.width, image.height, matte.width / matte.height);
    if (crop) matte = await engine.run(frame, crop);
  }
  const zoom = options.zoomView && !matte.empty ? zoomedView(faceOf(matte), matte.roi) : null;
  const result = atImageSize(matte, image, options.uncertainty);
  if (!zoom) return result;
  // A zoomed view that finds no face (a face at the model's limit) has nothing to add.
  const zoomed = await engine.run(frame, zoom);
  if (!zoomed.empty) blendZoomedView(result, atImageSize(zoomed, image, options.uncertainty), zoom, image.width, image.height);
  return result;
}

function faceOf(matte: Matte): FaceRect {
  return faceInFrame(faceBox(matte.alpha, matte.width, matte.height), matte.width, matte.height, matte.roi);
}

/**
 * The zoomed view inside `view`: ZOOM_VIEW_SIDE of its width and height, centred on the face and
 * slid back inside `view` where it would leave it.
 */
export function zoomedView(face: FaceRect, view: Rect): Rect {
  const width = view.width * ZOOM_VIEW_SIDE;
  const height = view.height * ZOOM_VIEW_SIDE;
  const cx = (face.x0 + face.x1) / 2;
  const cy = (face.y0 + face.y1) / 2;
  const x = Math.min(Math.max(cx - width / 2, view.x), view.x + view.width - width);
  const y = Math.min(Math.max(cy - height / 2, view.y), view.y + view.height - height);
  return { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) };
}

/**
 * into = (into + w * zoomed) / (1 + w) per pixel, w the zoomed view's weight: 1 inside it, falling
 * to 0 over ZOOM_VIEW_FEATHER of its side towards its edges, 0 outside (where `zoomed` holds
 * nothing the model saw).
 */
export function blendZoomedView(into: StillMatte, zoomed: StillMatte, view: Rect, width: number, height: number): void {
  const ramp = (v: number, start: number, size: number): number => {
    const edge = Math.min(v + 0.5 - start, start + size - (v + 0.5)) / (ZOOM_VIEW_FEATHER * size);
    return edge <= 0 ? 0 : edge >= 1 ? 1 : edge;
  };
  const x0 = Math.max(0, Math.floor(view.x));
  const x1 = Math.min(width, Math.ceil(view.x + view.width));
  for (let y = Math.max(0, Math.floor(view.y)); y < Math.min(height, Math.ceil(view.y + view.height)); y++) {
    const wy = ramp(y, view.y, view.height);
    if (wy === 0) continue;
    for (let x = x0; x < x1; x++) {
      const w = wy * ramp(x, view.x, view.width);
      if (w === 0) continue;
      const i = y * width + x;
      into.alpha[i] = (into.alpha[i] + w * zoomed.alpha[i]) / (1 + w);
      if (into.uncertainty && zoomed.uncertainty) into.uncertainty[i] = (into.uncertainty[i] + w * zoomed.uncertainty[i]) / (1 + w);
    }
  }
}

function atImageSize(matte: Matte, image: DecodedImage, withUncertainty: boolean): StillMatte {
  const { width, height, rgba } = image;
  const alpha = new Float32Array(width * height);
  guidedUpsample({ values: matte.alpha, width: matte.width, height: matte.height, roi: matte.roi }, rgba, width, height, alpha);
  let uncertainty: Float32Array | null = null;
  if (withUncertainty && matte.uncertainty) {
    uncertainty = new Float32Array(width * height);
    bilinearUpsample({ values: matte.uncertainty, width: matte.width, height: matte.height, roi: matte.roi }, width, height, uncertainty);
  }
  return { alpha, uncertainty };
}

/** A still image dressed as a pipeline frame (nothing pooled: retain/release do nothing). */
function stillFrame(image: DecodedImage): Frame {
  const frame: Frame = { seq: 0, captureMs: 0, width: image.width, height: image.height, rgba: image.rgba, retain: () => frame, release: () => undefined };
  return frame;
}
