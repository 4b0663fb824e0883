import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { OutputProgram } from '../program-library.js';
import type { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting } from './settings.js';

/** Pencil sketch: grey tone, gradient outlines and hatching that follows the face box. */
export class SketchFilter implements FaceFilter {
  readonly name = 'sketch' as const;
  private readonly program: OutputProgram;

  constructor(deps: FilterDeps) {
    this.program = deps.programs.output('sketch.frag.glsl');
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const out = ctx.targets.acquire();
    // The shader reads pixel corners: bilinear taps there are 2x2 averages.
    input.setLinear(true);
    const roi = ctx.geometry.roi;
    ctx.drawOutput(this.program, out, { u_input: input }, (p) => {
      p.set1f('u_intensity', numberSetting('sketch', settings, 'intensity'));
      p.set4f('u_roi', roi.x, roi.y, roi.width, roi.height);
    });
    input.setLinear(false);
    return out;
  }

  dispose(): void {}
}
