import type { FilterName, FilterSettings } from '../../control/filter-catalogue.js';
import type { PassContext } from '../pass-context.js';
import type { ProgramLibrary } from '../program-library.js';
import type { Texture } from '../texture.js';

/** What a filter gets when it is created, when the compositor opens. */
export interface FilterDeps {
  readonly gl: WebGLRenderingContext;
  readonly programs: ProgramLibrary;
}

/**
 * One face filter of the catalogue. apply() renders the filtered frame over ctx.geometry.work
 * into a target from ctx.targets and returns it (or returns `input` when its settings make it a
 * no-op). It may read ctx.alpha (the matte) but does not composite: the compositor blends the
 * result of the whole chain into the frame through the matte, so every filter leaves occluders
 * and the background alone by construction.
 */
export interface FaceFilter {
  readonly name: FilterName;
  apply(ctx: PassContext, input: Texture, settings: FilterSettings): Texture;
  dispose(): void;
}
