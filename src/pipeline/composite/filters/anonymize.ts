import type { FilterSettings } from '../../filter-settings/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { PixelRect } from '../frame-geometry.js';
import type { OutputProgram } from '../program-library.js';
import type { ShaderProgram } from '../shader-program.js';
import type { Texture } from '../texture.js';
import type { FaceFilter, FilterDeps } from './face-filter.js';
import { numberSetting, stringSetting } from './settings.js';

/**
 * Hides the face: pixelate (one colour per block) or a heavy blur. Both reduce the face to one
 * texel per block first, averaging only face pixels (alpha-weighted), so the hand in front keeps
 * its own colour and stays visible on top after compositing, the point of face matting.
 */
export class AnonymizeFilter implements FaceFilter {
  readonly name = 'anonymize' as const;
  private readonly reduce: ShaderProgram;
  private readonly blur: ShaderProgram;
  private readonly expand: OutputProgram;
  private readonly blockRect: PixelRect = { x0: 0, y0: 0, x1: 0, y1: 0 };

  constructor(deps: FilterDeps) {
    this.reduce = deps.programs.get('anonymize-reduce.frag.glsl');
    this.blur = deps.programs.get('anonymize-blur.frag.glsl');
    this.expand = deps.programs.output('anonymize-expand.frag.glsl');
  }

  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture {
    const g = ctx.geometry;
    const blurMode = stringSetting('anonymize', settings, 'mode') === 'blur';
    const size = numberSetting('anonymize', settings, 'blockSize') * g.scale;
    // The block targets are half the frame size, so a block is at least 2 pixels. A blur reduces
    // to half-size blocks and smooths them: its radius is about one block.
    const block = Math.max(2, blurMode ? size / 2 : size);
    const r = this.blockRect;
    r.x0 = Math.floor(g.work.x0 / block);
    r.y0 = Math.floor(g.work.y0 / block);
    r.x1 = Math.ceil(g.work.x1 / block);
    r.y1 = Math.ceil(g.work.y1 / block);

    let blocks = ctx.halfTargets.acquire();
    blocks.setLinear(false);
    ctx.draw(this.reduce, blocks, { u_input: input }, (p) => p.set1f('u_block', block), r);
    const blocksSize = (p: ShaderProgram) => {
      p.set2f('u_blocksSize', blocks.width, blocks.height);
      p.set4f('u_blockClamp', r.x0 + 0.5, r.y0 + 0.5, r.x1 - 0.5, r.y1 - 0.5);
    };
    if (blurMode) {
      const blurred = ctx.halfTargets.acquire();
      ctx.draw(this.blur, blurred, { u_blocks: blocks }, blocksSize, r);
      ctx.halfTargets.release(blocks);
      blocks = blurred;
      blocks.setLinear(true);
    }
    const out = ctx.targets.acquire();
    ctx.drawOutput(this.expand, out, { u_blocks: blocks }, (p) => {
      blocksSize(p);
      p.set1f('u_block', block);
    });
    ctx.halfTargets.release(blocks);
    return out;
  }

  dispose(): void {}
}
