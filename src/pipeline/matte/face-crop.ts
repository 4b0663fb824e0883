import type { Rect } from '../frame.js';

/** The face pixels of a matte: how many are at or above the threshold, and their bounding box. */
export interface FaceBox {
  count: number;
  /** Inclusive matte-pixel bounds; meaningless when count is 0. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function faceBox(alpha: Float32Array, width: number, height: number, threshold = 0.5): FaceBox {
  let count = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    let rowHit = false;
    for (let x = 0; x < width; x++, i++) {
      if (alpha[i] >= threshold) {
        count++;
        rowHit = true;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
    if (rowHit) {
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return { count, x0, y0, x1, y1 };
}

/**
 * The whole frame at the model's aspect ratio: the smallest centred region of that aspect that
 * covers the frame; the part outside the frame is black padding (letterbox), so the face keeps its
 * proportions in the model input.
 */
export function fullFrameRoi(frameWidth: number, frameHeight: number, aspect: number): Rect {
  let width = frameWidth;
  let height = frameWidth / aspect;
  if (height < frameHeight) {
    height = frameHeight;
    width = frameHeight * aspect;
  }
  return {
    x: Math.round((frameWidth - width) / 2),
    y: Math.round((frameHeight - height) / 2),
    width: Math.round(width),
    height: Math.round(height),
  };
}

export interface FaceCropOptions {
  /** Padding on each side of the face box, as a fraction of its size (room for hair, hands, chin). */
  padding: number;
  /** Alpha at or above which a matte pixel counts as face. */
  threshold: number;
  /** Fewer face pixels than this fraction of the matte: no face in this matte. */
  minCoverage: number;
  /** Consecutive mattes without a face before going back to the full frame. */
  lostAfter: number;
  /** Smallest crop, as a fraction of the frame's shorter side (no zooming into a speck). */
  minSide: number;
  /** A crop at least this fraction of the full-frame region gains too little: use the full frame. */
  fullFrameAbove: number;
  /** The current crop is kept while the new one's size is within this factor of it... */
  sizeTolerance: number;
  /** ...and the face box stays inside it by this fraction of its width (the hysteresis). */
  insideMargin: number;
}

export const DEFAULT_FACE_CROP: FaceCropOptions = {
  padding: 0.35,
  threshold: 0.5,
  minCoverage: 0.002,
  lostAfter: 2,
  minSide: 0.25,
  fullFrameAbove: 0.75,
  sizeTolerance: 1.3,
  insideMargin: 0.03,
};

/**
 * Face-aware cropping: when the face fills only part of the frame, the model runs on a padded
 * region around it (found from the previous matte) at its own resolution, which gives the face far
 * more model pixels. The region only moves when the face leaves it or changes size clearly, so it
 * does not jitter; with no face for `lostAfter` mattes it goes back to the full frame to find one.
 */
export class FaceCropTracker {
  private readonly options: FaceCropOptions;
  private readonly aspect: number;
  private crop: Rect | null = null;
  private frameWidth = 0;
  private frameHeight = 0;
  private missed = 0;

  constructor(modelWidth: number, modelHeight: number, options: Partial<FaceCropOptions> = {}) {
    this.aspect = modelWidth / modelHeight;
    this.options = { ...DEFAULT_FACE_CROP, ...options };
  }

  /** True while the model runs on a crop rather than the full frame. */
  get cropping(): boolean {
    return this.crop !== null;
  }

  /** The region to run the model on for the next frame of this size. */
  roiFor(frameWidth: number, frameHeight: number): Rect {
    if (frameWidth !== this.frameWidth || frameHeight !== this.frameHeight) {
      this.frameWidth = frameWidth;
      this.frameHeight = frameHeight;
      this.crop = null;
      this.missed = 0;
    }
    return this.crop ? { ...this.crop } : fullFrameRoi(frameWidth, frameHeight, this.aspect);
  }

  /** Learns from the matte just made for `roi` (matte size modelWidth x modelHeight). */
  update(box: FaceBox, matteWidth: number, matteHeight: number, roi: Rect): void {
    const o = this.options;
    if (box.count < o.minCoverage * matteWidth * matteHeight) {
      if (++this.missed >= o.lostAfter) this.crop = null;
      return;
    }
    this.missed = 0;
    const face = faceInFrame(box, matteWidth, matteHeight, roi);
    const target = paddedFaceCrop(face, this.frameWidth, this.frameHeight, this.aspect, o);
    if (!target) {
      this.crop = null;
      return;
    }
    if (this.crop && this.keeps(this.crop, face, target)) return;
    this.crop = target;
  }

  private keeps(crop: Rect, face: FaceRect, target: Rect): boolean {
    const o = this.options;
    const ratio = target.width / crop.width;
    if (ratio > o.sizeTolerance || ratio < 1 / o.sizeTolerance) return false;
    const mx = o.insideMargin * crop.width;
    const my = o.insideMargin * crop.height;
    // A face box touching the crop's edge may be cut off by it: move even if the size is right,
    // unless that edge is the frame's own (moving cannot show more there).
    const left = face.x0 >= crop.x + mx || crop.x <= 0;
    const right = face.x1 <= crop.x + crop.width - mx || crop.x + crop.width >= this.frameWidth;
    const top = face.y0 >= crop.y + my || crop.y <= 0;
    const bottom = face.y1 <= crop.y + crop.height - my || crop.y + crop.height >= this.frameHeight;
    return left && right && top && bottom;
  }
}

/** A face box in frame pixels (x1/y1 exclusive). */
export interface FaceRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The face box of a matte made for `roi`, in frame pixels. */
export function faceInFrame(box: FaceBox, matteWidth: number, matteHeight: number, roi: Rect): FaceRect {
  const sx = roi.width / matteWidth;
  const sy = roi.height / matteHeight;
  return { x0: roi.x + box.x0 * sx, y0: roi.y + box.y0 * sy, x1: roi.x + (box.x1 + 1) * sx, y1: roi.y + (box.y1 + 1) * sy };
}

/**
 * The padded crop of the model's aspect around `face`, or null where the full frame is as good
 * (the crop would cover most of it anyway).
 */
export function paddedFaceCrop(face: FaceRect, frameWidth: number, frameHeight: number, aspect: number, options: FaceCropOptions = DEFAULT_FACE_CROP): Rect | null {
  const o = options;
  const full = fullFrameRoi(frameWidth, frameHeight, aspect);
  let width = (face.x1 - face.x0) * (1 + 2 * o.padding);
  let height = (face.y1 - face.y0) * (1 + 2 * o.padding);
  if (width / height < aspect) width = height * aspect;
  else height = width / aspect;
  const minHeight = o.minSide * Math.min(frameWidth, frameHeight);
  if (height < minHeight) {
    height = minHeight;
    width = height * aspect;
  }
  if (width >= o.fullFrameAbove * full.width) return null;
  const cx = (face.x0 + face.x1) / 2;
  const cy = (face.y0 + face.y1) / 2;
  // Slide the crop inside the frame where it fits: real pixels beat black padding.
  const x = width <= frameWidth ? clamp(cx - width / 2, 0, frameWidth - width) : (frameWidth - width) / 2;
  const y = height <= frameHeight ? clamp(cy - height / 2, 0, frameHeight - height) : (frameHeight - height) / 2;
  return { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
