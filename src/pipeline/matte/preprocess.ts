import type { Rect } from '../frame.js';
import { nativeStatus, resizeToTensor as nativeResizeToTensor } from '../../native/index.js';
import type { ModelInputSpec } from './model-manifest.js';
import { type ResizeToTensor, TensorResizer } from './resize-to-tensor.js';

export type ResizeImplementation = 'native' | 'typescript';

export interface ResizeChoice {
  resize: ResizeToTensor;
  implementation: ResizeImplementation;
  /** Why the native one is not used, when it is not. */
  reason: string | null;
}

/** The native resizeToTensor when the addon loads (several times faster), else the TypeScript one. */
export function chooseResize(): ResizeChoice {
  const status = nativeStatus();
  if (status.ok) {
    return { resize: nativeResizeToTensor as ResizeToTensor, implementation: 'native', reason: null };
  }
  return { resize: new TensorResizer().resize, implementation: 'typescript', reason: status.reason };
}

/** Rec. 601 luma weights, as the camera's own YUV uses. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Turns a region of an RGBA frame into the model's input tensor following the manifest (size,
 * colour order, normalisation), and recovers the luma of what the model saw for the temporal
 * filter. Holds no per-frame allocations.
 */
export class Preprocessor {
  readonly width: number;
  readonly height: number;
  private readonly bgr: boolean;
  /** mean/std in the resizer's R, G, B plane order. */
  private readonly meanRgb: [number, number, number];
  private readonly stdRgb: [number, number, number];
  private readonly swap: Float32Array | null;

  constructor(
    private readonly spec: ModelInputSpec,
    private readonly choice: ResizeChoice = chooseResize(),
  ) {
    this.width = spec.width;
    this.height = spec.height;
    this.bgr = spec.colorOrder === 'BGR';
    const order = this.bgr ? [2, 1, 0] : [0, 1, 2];
    this.meanRgb = order.map((i) => spec.mean[i]) as [number, number, number];
    this.stdRgb = order.map((i) => spec.std[i]) as [number, number, number];
    this.swap = this.bgr ? new Float32Array(spec.width * spec.height) : null;
  }

  get implementation(): ResizeImplementation {
    return this.choice.implementation;
  }

  /** Why the native resize is not in use, or null when it is. */
  get fallbackReason(): string | null {
    return this.choice.reason;
  }

  /** Writes `roi` of the frame into `tensor` (3 x height x width, model channel order). */
  run(rgba: Uint8Array, frameWidth: number, frameHeight: number, roi: Rect, tensor: Float32Array): void {
    this.choice.resize(rgba, frameWidth, frameHeight, roi, tensor, this.width, this.height, this.meanRgb, this.stdRgb, this.spec.scale);
    if (this.swap) {
      const plane = this.width * this.height;
      const red = tensor.subarray(0, plane);
      const blue = tensor.subarray(2 * plane, 3 * plane);
      this.swap.set(red);
      red.set(blue);
      blue.set(this.swap);
    }
  }

  /** Luma in [0,1] (pixel/255 units) of the tensor `run` wrote, width x height. */
  luma(tensor: Float32Array, out: Float32Array): void {
    const plane = this.width * this.height;
    const { mean, std, scale } = this.spec;
    // Undo (pixel/scale - mean)/std per model channel, then weight by the channel's luma share.
    const channelLuma = this.bgr ? [LUMA[2], LUMA[1], LUMA[0]] : [LUMA[0], LUMA[1], LUMA[2]];
    const k = scale / 255;
    const g0 = channelLuma[0] * std[0] * k;
    const g1 = channelLuma[1] * std[1] * k;
    const g2 = channelLuma[2] * std[2] * k;
    const offset = (channelLuma[0] * mean[0] + channelLuma[1] * mean[1] + channelLuma[2] * mean[2]) * k;
    for (let i = 0; i < plane; i++) {
      out[i] = tensor[i] * g0 + tensor[i + plane] * g1 + tensor[i + 2 * plane] * g2 + offset;
    }
  }
}
