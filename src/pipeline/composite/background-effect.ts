import type { Frame, VideoFormat } from '../frame.js';
import type { FilterDeps } from './filters/face-filter.js';
import type { PassContext } from './pass-context.js';
import type { Texture } from './texture.js';

/**
 * Extension point for background effects (blur, replacement). They need a PERSON matte (who is
 * in front of the camera), which the face matte is not: a face matte is 0 on hair, hands and
 * shoulders, so using it as a person mask would blur or replace the user's own hands. No
 * person-segmentation model ships with facemat-cam, so nothing implements this interface yet.
 *
 * A stage owns its model and its person matte; it renders the frame with the new background
 * over the whole frame, before the face filters. The face filters then work on that picture and
 * the composite blends them into it through the face matte, so the occluders the face matte keeps
 * (a hand over the face) show the same pixels as the stage produced. See docs/compositor.md.
 */
export interface BackgroundStage {
  readonly name: string;
  /** Called from the compositor's open(): compile programs, allocate textures. */
  open(deps: FilterDeps, format: VideoFormat): void;
  /**
   * Renders over ctx.geometry.full (the work rect is the whole frame when a stage is set), reading
   * ctx.frame, into a target from ctx.targets, and returns it; or returns ctx.frame when it has
   * nothing for this frame (no person matte yet).
   */
  render(ctx: PassContext, frame: Frame): Texture;
  dispose(): void;
}
