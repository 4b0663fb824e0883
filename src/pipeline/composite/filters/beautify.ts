import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { OutputProgram } from '../program-library.js';
import type { ShaderProgram } from '../shader-program.js';
import type { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting } from './settings.js';

/**
 * Skin smoothing: a separable bilateral filter at half resolution (horizontal, then vertical,
 * which also computes a feature mask from the luma gradient), blended into the input at full
 * resolution by strength except on features (eyes, brows, lips). Smoothing at half resolution
 * costs a quarter of the full-resolution passes; only the blend runs per frame pixel.
 */
export class BeautifyFilter implements FaceFilter {
  readonly name = 'beautify' as const;
  private readonly smoothX: ShaderProgram;
  private readonly smoothY: ShaderProgram;
  private readonly blend: OutputProgram;

  constructor(deps: FilterDeps) {
    this.smoothX = deps.programs.get('beautify-smooth-x.frag.glsl');
    this.smoothY = deps.programs.get('beautify-smooth-y.frag.glsl');
    this.blend = deps.programs.output('beautify-blend.frag.glsl');
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const strength = numberSetting('beautify', settings, 'strength');
    if (strength <= 0) return input;
    const g = ctx.geometry;
    const radius = numberSetting('beautify', settings, 'radius') * g.scale;
    const half = { x0: g.work.x0 >> 1, y0: g.work.y0 >> 1, x1: (g.work.x1 + 1) >> 1, y1: (g.work.y1 + 1) >> 1 };
    const halfUniforms = (p: ShaderProgram, target: Texture) => {
      p.set2f('u_halfSize', target.width, target.height);
      p.set4f('u_halfClamp', half.x0 + 0.5, half.y0 + 0.5, half.x1 - 0.5, half.y1 - 0.5);
      p.set1f('u_radius', radius);
    };
    // The two half-size passes read the input between pixels: bilinear gives 2x2 averages.
    input.setLinear(true);
    const x = ctx.halfTargets.acquire();
    x.setLinear(false);
    ctx.draw(this.smoothX, x, { u_input: input }, (p) => p.set1f('u_radius', radius), half);
    const xy = ctx.halfTargets.acquire();
    ctx.draw(this.smoothY, xy, { u_input: input, u_half: x }, (p) => halfUniforms(p, x), half);
    ctx.halfTargets.release(x);
    input.setLinear(false);
    xy.setLinear(true);
    const out = ctx.targets.acquire();
    ctx.drawOutput(this.blend, out, { u_input: input, u_half: xy }, (p) => {
      halfUniforms(p, xy);
      p.set1f('u_strength', strength);
    });
    ctx.halfTargets.release(xy);
    return out;
  }

  dispose(): void {}
}
