import { createRequire } from 'node:module';
import type { XDisplay } from './display.js';

/** Raised when no WebGL context can be made; the message says how to fix it. */
export class GlContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlContextError';
  }
}

type CreateGl = (width: number, height: number, options?: Record<string, boolean>) => WebGLRenderingContext | null;

interface DestroyExtension {
  destroy(): void;
}

/**
 * A headless-gl WebGL 1 context. All rendering goes to framebuffer objects, so the default
 * drawing buffer is kept tiny. `gl` is loaded here, lazily, so that a machine where its native
 * part is not built can still run everything that does not composite.
 */
export class GlContext {
  private destroyed = false;

  private constructor(readonly gl: WebGLRenderingContext) {}

  static create(display: XDisplay): GlContext {
    const createGl = loadGl();
    const gl = createGl(16, 16, { alpha: true, depth: false, stencil: false, antialias: false, premultipliedAlpha: false });
    if (!gl) {
      throw new GlContextError(
        `cannot create a WebGL context on X display ${display.name}` +
          (display.owned ? ' (a private Xvfb)' : '') +
          '. Check that the X server runs (`xdpyinfo -display ' +
          display.name +
          '`) and that Mesa is installed (apt-get install libgl1-mesa-dri), or unset DISPLAY so facemat starts its own Xvfb.',
      );
    }
    // The matte arrives as float32; without float textures it would need a CPU conversion pass.
    if (!gl.getExtension('OES_texture_float')) {
      throw new GlContextError('the WebGL context has no OES_texture_float (needed for the matte); use Mesa llvmpipe or a GPU driver that has it');
    }
    return new GlContext(gl);
  }

  /** e.g. "ANGLE, WebGL 1.0 stack-gl 8.1.6" (headless-gl does not name the driver below ANGLE). */
  get renderer(): string {
    return `${this.gl.getParameter(this.gl.RENDERER)}, ${this.gl.getParameter(this.gl.VERSION)}`;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    (this.gl.getExtension('STACKGL_destroy_context') as DestroyExtension | null)?.destroy();
  }
}

function loadGl(): CreateGl {
  const require = createRequire(import.meta.url);
  try {
    return require('gl') as CreateGl;
  } catch (err) {
    throw new GlContextError(
      `headless-gl (the "gl" package) cannot be loaded: ${(err as Error).message.split('\n')[0]}. ` +
        'Build it with `npm rebuild gl` (needs build-essential python3 pkg-config libxi-dev libx11-dev libxext-dev and `npm config set nodedir /usr`).',
    );
  }
}
