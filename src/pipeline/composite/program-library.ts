import { ShaderLoader } from './shader-loader.js';
import { ShaderProgram } from './shader-program.js';

/**
 * Compiles each fragment shader of shaders/ once, paired with the full-screen quad vertex
 * shader. Every program is built when the compositor opens, so a shader error stops start-up
 * with the file and line instead of surfacing when a filter is first switched on.
 */
export class ProgramLibrary {
  private readonly programs = new Map<string, ShaderProgram>();

  constructor(
    private readonly gl: WebGLRenderingContext,
    private readonly loader: ShaderLoader = new ShaderLoader(),
  ) {}

  get(fragmentFile: string): ShaderProgram {
    let program = this.programs.get(fragmentFile);
    if (!program) {
      program = ShaderProgram.build(this.gl, this.loader.load('quad.vert.glsl'), this.loader.load(fragmentFile));
      this.programs.set(fragmentFile, program);
    }
    return program;
  }

  dispose(): void {
    for (const program of this.programs.values()) program.dispose();
    this.programs.clear();
  }
}
