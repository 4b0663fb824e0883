import type { Matte } from '../frame.js';
import { RenderTarget } from './framebuffer-pool.js';
import { Texture } from './texture.js';

/**
 * The low-resolution matte on the GPU: alpha and uncertainty as one-channel float textures,
 * updated in place each frame straight from the matte's Float32Arrays (no conversion copy), and
 * two render targets of the same size for the first two upsampling passes (guide and range, see
 * shaders/matte-*.frag.glsl). They are reallocated only when the model's output size changes.
 */
export class MatteTextures {
  private alphaTexture: Texture | null = null;
  private uncertaintyTexture: Texture | null = null;
  private guideTarget: RenderTarget | null = null;
  private rangeTarget: RenderTarget | null = null;

  constructor(private readonly gl: WebGLRenderingContext) {}

  get alpha(): Texture {
    if (!this.alphaTexture) throw new Error('no matte uploaded yet');
    return this.alphaTexture;
  }

  /** The uncertainty texture; before the first matte with uncertainty, the alpha one (unread). */
  get uncertainty(): Texture {
    return this.uncertaintyTexture ?? this.alpha;
  }

  /** Per matte texel: the frame's colour there and the alpha (matte-guide.frag.glsl). */
  get guide(): RenderTarget {
    if (!this.guideTarget) throw new Error('no matte uploaded yet');
    return this.guideTarget;
  }

  /** Per matte texel: min and max alpha around it, uncertainty (matte-range.frag.glsl). */
  get range(): RenderTarget {
    if (!this.rangeTarget) throw new Error('no matte uploaded yet');
    return this.rangeTarget;
  }

  /** Uploads `matte`; returns whether it carried an uncertainty map. */
  upload(matte: Matte): boolean {
    const problem = matteProblem(matte);
    if (problem) throw new RangeError(problem);
    if (this.rangeTarget?.width !== matte.width || this.rangeTarget.height !== matte.height) {
      this.guideTarget?.dispose();
      this.rangeTarget?.dispose();
      this.guideTarget = new RenderTarget(this.gl, matte.width, matte.height);
      // Bilinear: the upsampling reads it between texels where the matte is flat.
      this.guideTarget.setLinear(true);
      this.rangeTarget = new RenderTarget(this.gl, matte.width, matte.height);
    }
    this.alphaTexture = this.sized(this.alphaTexture, matte);
    this.alphaTexture.uploadRows(0, matte.height, matte.alpha);
    if (!matte.uncertainty) return false;
    this.uncertaintyTexture = this.sized(this.uncertaintyTexture, matte);
    this.uncertaintyTexture.uploadRows(0, matte.height, matte.uncertainty);
    return true;
  }

  private sized(texture: Texture | null, matte: Matte): Texture {
    if (texture && texture.width === matte.width && texture.height === matte.height) return texture;
    texture?.dispose();
    const gl = this.gl;
    return new Texture(gl, matte.width, matte.height, gl.LUMINANCE, gl.FLOAT);
  }

  dispose(): void {
    this.alphaTexture?.dispose();
    this.uncertaintyTexture?.dispose();
    this.guideTarget?.dispose();
    this.rangeTarget?.dispose();
    this.alphaTexture = this.uncertaintyTexture = null;
    this.guideTarget = this.rangeTarget = null;
  }
}

/** What is wrong with a matte's shape, or null when it can be uploaded. */
export function matteProblem(m: Matte): string | null {
  const n = m.width * m.height;
  if (!(Number.isInteger(m.width) && Number.isInteger(m.height) && m.width > 0 && m.height > 0)) {
    return `matte size ${m.width}x${m.height} is not a positive integer size`;
  }
  if (m.alpha.length !== n) return `matte alpha has ${m.alpha.length} values, ${m.width}x${m.height} needs ${n}`;
  if (m.uncertainty && m.uncertainty.length !== n) return `matte uncertainty has ${m.uncertainty.length} values, ${m.width}x${m.height} needs ${n}`;
  const r = m.roi;
  if (![r.x, r.y, r.width, r.height].every(Number.isFinite)) return 'matte roi is not finite';
  return null;
}

/**
 * Alpha below this is 0 (shaders/matte-upsample.frag.glsl has the same NOISE_FLOOR): a blend of
 * under 2 % does not show, and a model's faint background noise would otherwise spread the work
 * over its whole roi.
 */
export const MATTE_NOISE_FLOOR = 0.02;

/**
 * Inclusive texel bounds of the matte's alpha at or above the noise floor (into `box`), or null
 * when there is none: outside this box (plus the upsampling footprint) the output is the input.
 */
export function activeBox(m: Matte, box: { x0: number; y0: number; x1: number; y1: number }, threshold = MATTE_NOISE_FLOOR): typeof box | null {
  const { width, height, alpha } = m;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (alpha[row + x] >= threshold) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let x = width - 1; x > first; x--) {
      if (alpha[row + x] >= threshold) {
        last = x;
        break;
      }
    }
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (y0 > y) y0 = y;
    y1 = y;
  }
  if (x1 < 0) return null;
  box.x0 = x0;
  box.y0 = y0;
  box.x1 = x1;
  box.y1 = y1;
  return box;
}
