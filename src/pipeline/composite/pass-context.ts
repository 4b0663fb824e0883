import type { FramebufferPool, RenderTarget } from './framebuffer-pool.js';
import type { FrameGeometry, PixelRect } from './frame-geometry.js';
import type { OutputProgram } from './program-library.js';
import type { ShaderProgram } from './shader-program.js';
import type { Texture } from './texture.js';

/**
 * What a filter needs to render one frame: the frame and matte textures, render targets, and
 * draw(), which runs one full-screen pass over a rectangle with the shared uniforms of
 * shaders/common.glsl set. A filter renders its result with drawOutput(), which, for the last
 * filter of the chain, also blends it into the frame through the matte.
 */
export class PassContext {
  /** The picture under the filters: the frame, or a background stage's output. */
  base: Texture;
  /** Set by the compositor before the chain's last filter: drawOutput() composites over it. */
  compositeRect: PixelRect | null = null;
  /** Set by drawOutput() once it has composited this frame. */
  composited = false;

  constructor(
    private readonly gl: WebGLRenderingContext,
    readonly geometry: FrameGeometry,
    /** The input frame, RGBA8, valid over geometry.work. */
    readonly frame: Texture,
    /** Upsampled matte: r = alpha, g = uncertainty, valid over geometry.work (0 outside the roi). */
    readonly alpha: RenderTarget,
    /** Frame-sized targets for ping-pong passes. */
    readonly targets: FramebufferPool,
    /** Targets at half the frame size (beautify's smoothing, anonymize's blocks). */
    readonly halfTargets: FramebufferPool,
  ) {
    this.base = frame;
  }

  /**
   * Renders a filter's result. For the chain's last filter (compositeRect set) this runs the
   * output's composite variant over compositeRect, reading the base picture and the matte, so
   * `target` then holds the final output there; otherwise the plain variant over the work rect.
   */
  drawOutput(
    output: OutputProgram,
    target: RenderTarget,
    textures: Readonly<Record<string, Texture>>,
    uniforms?: (program: ShaderProgram) => void,
  ): void {
    const rect = this.compositeRect;
    if (!rect) {
      this.draw(output.plain, target, textures, uniforms);
      return;
    }
    const face = this.geometry.face;
    this.draw(
      output.composite,
      target,
      { ...textures, u_frame: this.base },
      (p) => {
        uniforms?.(p);
        p.set4f('u_face', face.x0, face.y0, face.x1, face.y1);
      },
      rect,
    );
    this.composited = true;
  }

  /**
   * Renders `program` into `target` over `rect` (default: the work rect), with `textures` bound
   * to texture units in order, and the matte (u_alpha) too when the program reads it. `uniforms`
   * sets the pass's own uniforms.
   */
  draw(
    program: ShaderProgram,
    target: RenderTarget,
    textures: Readonly<Record<string, Texture>>,
    uniforms?: (program: ShaderProgram) => void,
    rect: PixelRect = this.geometry.work,
  ): void {
    const gl = this.gl;
    const g = this.geometry;
    gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
    gl.viewport(rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0);
    program.use();
    program.set2f('u_size', g.width, g.height);
    program.set4f('u_clamp', g.work.x0 + 0.5, g.work.y0 + 0.5, g.work.x1 - 0.5, g.work.y1 - 0.5);
    program.set1f('u_scale', g.scale);
    let unit = 0;
    for (const name in textures) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, textures[name].texture);
      program.set1i(name, unit);
      unit++;
    }
    if (target !== this.alpha && program.location('u_alpha')) {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, this.alpha.texture);
      program.set1i('u_alpha', unit);
    }
    uniforms?.(program);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}
