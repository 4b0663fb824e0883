import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import { logger } from '../../../log.js';
import { resolveAssetPath } from '../asset-path.js';
import type { PassContext } from '../pass-context.js';
import type { OutputProgram } from '../program-library.js';
import { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting, stringSetting } from './settings.js';

const log = logger('facepaint');

const PATTERNS = ['stripes', 'dots', 'flag', 'image'] as const;
/** The image painted when pattern is "image" and no image path is set. */
export const DEFAULT_FACEPAINT_IMAGE = 'assets/facepaint/carnival-mask.png';

/**
 * Paints a pattern or a PNG over the face box, keeping the skin's shading. The box is the
 * matte's roi, so the paint follows the face; occluders go back on top in the composite.
 */
export class FacepaintFilter implements FaceFilter {
  readonly name = 'facepaint' as const;
  /** One program per pattern, in PATTERNS order. */
  private readonly programs: OutputProgram[];
  private readonly gl: WebGLRenderingContext;
  private image: { path: string; texture: Texture | null } | null = null;

  constructor(deps: FilterDeps) {
    this.gl = deps.gl;
    this.programs = PATTERNS.map((p) => deps.programs.output('facepaint.frag.glsl', [`PATTERN_${p.toUpperCase()}`]));
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const opacity = numberSetting('facepaint', settings, 'opacity');
    if (opacity <= 0) return input;
    let pattern = PATTERNS.indexOf(stringSetting('facepaint', settings, 'pattern') as (typeof PATTERNS)[number]);
    if (pattern < 0) pattern = 0;
    let image: Texture | null = null;
    if (PATTERNS[pattern] === 'image') {
      image = this.imageFor(stringSetting('facepaint', settings, 'image') || DEFAULT_FACEPAINT_IMAGE);
      if (!image) pattern = 0;
    }
    const out = ctx.targets.acquire();
    const roi = ctx.geometry.roi;
    const textures: Record<string, Texture> = image ? { u_input: input, u_image: image } : { u_input: input };
    ctx.drawOutput(this.programs[pattern], out, textures, (p) => {
      p.set1f('u_opacity', opacity);
      p.set4f('u_roi', roi.x, roi.y, roi.width, roi.height);
    });
    return out;
  }

  /** The image's texture, loaded when the path changes; null (reported once) if unusable. */
  private imageFor(path: string): Texture | null {
    if (this.image?.path === path) return this.image.texture;
    this.image?.texture?.dispose();
    this.image = { path, texture: this.load(path) };
    return this.image.texture;
  }

  private load(path: string): Texture | null {
    try {
      const png = PNG.sync.read(readFileSync(resolveAssetPath(path)));
      const gl = this.gl;
      const texture = new Texture(gl, png.width, png.height, gl.RGBA, gl.UNSIGNED_BYTE, true);
      texture.uploadRows(0, png.height, new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length));
      return texture;
    } catch (err) {
      log.error(`face paint image ${path}: ${(err as Error).message}; painting stripes instead`);
      return null;
    }
  }

  dispose(): void {
    this.image?.texture?.dispose();
    this.image = null;
  }
}
