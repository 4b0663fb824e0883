import { Texture } from './texture.js';

/** An RGBA8 texture with a framebuffer, so passes can render into it and later ones sample it. */
export class RenderTarget extends Texture {
  readonly framebuffer: WebGLFramebuffer;

  constructor(gl: WebGLRenderingContext, width: number, height: number) {
    super(gl, width, height, gl.RGBA, gl.UNSIGNED_BYTE);
    const framebuffer = gl.createFramebuffer();
    if (!framebuffer) throw new Error('gl.createFramebuffer() failed');
    this.framebuffer = framebuffer;
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.texture, 0);
    const status = gl.checkFramebufferStatus(gl.FRAMEBUFFER);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    if (status !== gl.FRAMEBUFFER_COMPLETE) throw new Error(`framebuffer ${width}x${height} incomplete (status 0x${status.toString(16)})`);
  }

  override dispose(): void {
    this.gl.deleteFramebuffer(this.framebuffer);
    super.dispose();
  }
}

/**
 * A fixed set of same-sized render targets for ping-pong passes, allocated when the compositor
 * opens. A filter takes targets for its outputs and the compositor gives back the ones nobody
 * reads any more. Running out is a bug in a filter (it holds more than it declared), not a
 * reason to allocate during a frame.
 */
export class FramebufferPool {
  private readonly free: RenderTarget[] = [];
  private readonly all: RenderTarget[] = [];

  constructor(gl: WebGLRenderingContext, width: number, height: number, count: number) {
    for (let i = 0; i < count; i++) {
      const target = new RenderTarget(gl, width, height);
      this.all.push(target);
      this.free.push(target);
    }
  }

  acquire(): RenderTarget {
    const target = this.free.pop();
    if (!target) throw new Error(`framebuffer pool exhausted (${this.all.length} targets): a pass keeps too many`);
    return target;
  }

  /** Marks every target free: the start of a frame, also after one that failed half-way. */
  releaseAll(): void {
    this.free.length = 0;
    this.free.push(...this.all);
  }

  /** Gives a target back; textures that are not from this pool (the frame) are ignored. */
  release(target: Texture): void {
    if (!(target instanceof RenderTarget) || !this.all.includes(target) || this.free.includes(target)) return;
    this.free.push(target);
  }

  dispose(): void {
    for (const target of this.all) target.dispose();
    this.all.length = 0;
    this.free.length = 0;
  }
}
