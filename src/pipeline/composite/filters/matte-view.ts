import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import { logger } from '../../../log.js';
import type { RenderTarget } from '../framebuffer-pool.js';
import type { PassContext } from '../pass-context.js';
import type { ShaderProgram } from '../shader-program.js';
import type { Texture } from '../texture.js';
import type { FilterDeps } from './face-filter.js';
import { stringSetting } from './settings.js';

const log = logger('matte-view');
const VIEWS = ['alpha', 'uncertainty', 'split'] as const;

/**
 * The `matte` debug views. Unlike the face filters it is not blended through the matte: it
 * replaces the whole output (the alpha matte, the uncertainty heat map, or the frame before and
 * after the filters side by side), wherever it sits in the chain, and also runs without a face.
 */
export class MatteView {
  readonly name = 'matte' as const;
  /** One program per view, in VIEWS order. */
  private readonly programs: ShaderProgram[];
  private warnedNoUncertainty = false;

  constructor(deps: FilterDeps) {
    this.programs = VIEWS.map((v) => deps.programs.get('matte-view.frag.glsl', [`VIEW_${v.toUpperCase()}`]));
  }

  /** Renders over the whole frame into a target from ctx.targets. */
  render(ctx: PassContext, composited: Texture, settings: FilterSettings, hasMatte: boolean, hasUncertainty: boolean): RenderTarget {
    let view = VIEWS.indexOf(stringSetting('matte', settings, 'view') as (typeof VIEWS)[number]);
    if (view < 0) view = 0;
    if (VIEWS[view] === 'uncertainty' && hasMatte && !hasUncertainty && !this.warnedNoUncertainty) {
      this.warnedNoUncertainty = true;
      log.warn('the matte model gives no uncertainty map: the uncertainty view shows the dimmed frame only');
    }
    const out = ctx.targets.acquire();
    // The roi, not the face rect: the uncertainty map covers all the model looked at.
    const f = ctx.geometry.roiRect;
    ctx.draw(
      this.programs[view],
      out,
      { u_frame: ctx.frame, u_output: composited },
      (p) => {
        p.set1f('u_hasMatte', hasMatte ? 1 : 0);
        p.set1f('u_hasUncertainty', hasUncertainty ? 1 : 0);
        p.set4f('u_face', f.x0, f.y0, f.x1, f.y1);
      },
      ctx.geometry.full,
    );
    return out;
  }
}
