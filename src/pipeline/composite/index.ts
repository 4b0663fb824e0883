import type { Compositor } from './compositor.js';
import { GlCompositor } from './gl-compositor.js';

export type { Compositor } from './compositor.js';
export type { BackgroundStage } from './background-effect.js';
export { GlCompositor, type GlCompositorOptions } from './gl-compositor.js';
export { DisplayError, XDisplay } from './display.js';
export { GlContextError } from './gl-context.js';
export { ShaderCompileError } from './shader-program.js';
export { CubeLutError, loadCubeLut, parseCubeLut } from './cube-lut.js';

/**
 * The compositor `facemat run` uses: WebGL 1 shaders on headless-gl. `display` is the X display
 * to render on; by default $DISPLAY, or a private Xvfb started (and stopped at exit) when unset.
 * open(format) creates the GL context, compiles every shader and allocates all textures.
 */
export function createCompositor(options: { display?: string } = {}): Compositor {
  return new GlCompositor({ display: options.display });
}
