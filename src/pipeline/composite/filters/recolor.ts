import type { FilterSettings } from '../../control/filter-catalogue.js';
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
  private readonly program: OutputProgram;
  private readonly gl: WebGLRenderingContext;
  private loaded: LoadedLut | null = null;

  constructor(deps: FilterDeps) {
    this.gl = deps.gl;
    this.program = deps.programs.output('recolor.frag.glsl');
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const amount = numberSetting('recolor', settings, 'amount');
    if (amount <= 0) return input;
    const lut = this.lutFor(stringSetting('recolor', settings, 'lut'));
    const tint = parseColour(stringSetting('recolor', settings, 'tint'));
    const out = ctx.targets.acquire();
    // Unit 1 needs a texture even for the tint; the input serves (the shader does not read it).
    ctx.drawOutput(this.program, out, { u_input: input, u_lut: lut?.texture ?? input }, (p) => {
      p.set1f('u_amount', amount);
      p.set3f('u_tint', tint[0], tint[1], tint[2]);
      p.set1f('u_lutSize', lut?.lut ? lut.lut.size : 0);
      if (lut?.lut) {
        p.set3f('u_domainMin', lut.lut.domainMin[0], lut.lut.domainMin[1], lut.lut.domainMin[2]);
        p.set3f('u_domainMax', lut.lut.domainMax[0], lut.lut.domainMax[1], lut.lut.domainMax[2]);
      }
    });
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
