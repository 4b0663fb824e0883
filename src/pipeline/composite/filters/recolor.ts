import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import { logger } from '../../../log.js';
import { resolveAssetPath } from '../asset-path.js';
import { CubeLut, loadCubeLut, lutAtlas } from '../cube-lut.js';
import type { PassContext } from '../pass-context.js';
import type { OutputProgram } from '../program-library.js';
import { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting, parseColour, stringSetting } from './settings.js';

const log = logger('recolor');

interface LoadedLut {
  readonly path: string;
  /** null when the file could not be used: the tint is applied instead. */
  readonly lut: CubeLut | null;
  readonly texture: Texture | null;
}

/**
 * Soft-light tint, or a .cube 3D LUT. A LUT is read and uploaded when its path changes (never
 * per frame); a file that cannot be used is reported once and the tint is applied instead, so a
 * typo in a path does not black out the video.
 */
export class RecolorFilter implements FaceFilter {
  readonly name = 'recolor' as const;
  private readonly tintProgram: OutputProgram;
  private readonly lutProgram: OutputProgram;
  private readonly gl: WebGLRenderingContext;
  private loaded: LoadedLut | null = null;

  constructor(deps: FilterDeps) {
    this.gl = deps.gl;
    this.tintProgram = deps.programs.output('recolor.frag.glsl');
    this.lutProgram = deps.programs.output('recolor.frag.glsl', ['LUT']);
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const amount = numberSetting('recolor', settings, 'amount');
    if (amount <= 0) return input;
    const loaded = this.lutFor(stringSetting('recolor', settings, 'lut'));
    const out = ctx.targets.acquire();
    if (loaded?.lut && loaded.texture) {
      const lut = loaded.lut;
      ctx.drawOutput(this.lutProgram, out, { u_input: input, u_lut: loaded.texture }, (p) => {
        p.set1f('u_amount', amount);
        p.set1f('u_lutSize', lut.size);
        p.set3f('u_domainMin', lut.domainMin[0], lut.domainMin[1], lut.domainMin[2]);
        p.set3f('u_domainMax', lut.domainMax[0], lut.domainMax[1], lut.domainMax[2]);
      });
    } else {
      const tint = parseColour(stringSetting('recolor', settings, 'tint'));
      ctx.drawOutput(this.tintProgram, out, { u_input: input }, (p) => {
        p.set1f('u_amount', amount);
        p.set3f('u_tint', tint[0], tint[1], tint[2]);
      });
    }
    return out;
  }

  private lutFor(path: string): LoadedLut | null {
    if (!path) return null;
    if (this.loaded?.path === path) return this.loaded;
    this.loaded?.texture?.dispose();
    this.loaded = this.load(path);
    return this.loaded;
  }

  private load(path: string): LoadedLut {
    try {
      const lut = loadCubeLut(resolveAssetPath(path));
      const atlas = lutAtlas(lut);
      const gl = this.gl;
      const texture = new Texture(gl, atlas.width, atlas.height, gl.RGBA, gl.UNSIGNED_BYTE, true);
      texture.uploadRows(0, atlas.height, atlas.rgba);
      log.info(`LUT ${path}: ${lut.title || 'untitled'}, ${lut.size}^3`);
      return { path, lut, texture };
    } catch (err) {
      log.error(`${(err as Error).message}; using the tint instead`);
      return { path, lut: null, texture: null };
    }
  }

  dispose(): void {
    this.loaded?.texture?.dispose();
    this.loaded = null;
  }
}
