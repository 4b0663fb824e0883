import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { OutputProgram } from '../program-library.js';
import type { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting } from './settings.js';

/** Cel shading: flat luma bands and ink lines on strong edges, one pass. */
export class ToonFilter implements FaceFilter {
  readonly name = 'toon' as const;
  private readonly program: OutputProgram;

  constructor(deps: FilterDeps) {
    this.program = deps.programs.output('toon.frag.glsl');
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const out = ctx.targets.acquire();
    // The shader reads pixel corners: bilinear taps there are 2x2 averages.
    input.setLinear(true);
    ctx.drawOutput(this.program, out, { u_input: input }, (p) => {
      p.set1f('u_levels', numberSetting('toon', settings, 'levels'));
      p.set1f('u_edges', numberSetting('toon', settings, 'edges'));
    });
    input.setLinear(false);
    return out;
  }

  dispose(): void {}
}
