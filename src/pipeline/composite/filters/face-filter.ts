import type { FilterName, FilterSettings } from '../../filter-settings/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { ProgramLibrary } from '../program-library.js';
import type { Texture } from '../texture.js';

/** What a filter gets when it is created, when the compositor opens. */
export interface FilterDeps {
  readonly gl: WebGLRenderingContext;
  readonly programs: ProgramLibrary;
}

/**
 * One face filter of the catalogue. apply() renders the filtered frame into a target from
 * ctx.targets and returns it (or returns `input` when its settings make it a no-op), with its
 * last pass through ctx.drawOutput() and an output shader that ends in finish() (composite.glsl).
 * It may read ctx.alpha (the matte) but never blends by itself: for the chain's last filter
 * drawOutput() blends through the matte, so every filter leaves occluders and the background
 * alone by construction.
 */
export interface FaceFilter {
  readonly name: FilterName;
  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture;
  dispose(): void;
}
