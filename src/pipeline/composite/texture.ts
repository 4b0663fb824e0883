/**
 * A 2D texture with fixed size and format, allocated once (texImage2D with no data) and then
 * updated in place (texSubImage2D), so the per-frame path allocates nothing on the GPU side.
 */
export class Texture {
  readonly texture: WebGLTexture;
  private linear: boolean;

  constructor(
    protected readonly gl: WebGLRenderingContext,
    readonly width: number,
    readonly height: number,
    readonly format: number,
    readonly type: number,
    linear = false,
  ) {
    const texture = gl.createTexture();
    if (!texture) throw new Error('gl.createTexture() failed');
    this.texture = texture;
    this.linear = linear;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    const filter = linear ? gl.LINEAR : gl.NEAREST;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, format, width, height, 0, format, type, null);
  }

  /** Bilinear or nearest sampling; shaders that read exact texels want nearest. */
  setLinear(linear: boolean): void {
    if (linear === this.linear) return;
    this.linear = linear;
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    const filter = linear ? gl.LINEAR : gl.NEAREST;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
  }

  /** Replaces rows [y, y + rows) with `data` (tightly packed rows of `width` texels). */
  uploadRows(y: number, rows: number, data: ArrayBufferView): void {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, y, this.width, rows, this.format, this.type, data);
  }

  dispose(): void {
    this.gl.deleteTexture(this.texture);
  }
}
