import { ShaderLoader } from './shader-loader.js';
import { ShaderProgram } from './shader-program.js';

/**
 * A filter's output pass in its two variants (see shaders/composite.glsl): `plain` writes the
 * filter's colour; `composite` blends it into the frame through the matte, for the last filter
 * of the chain.
 */
export interface OutputProgram {
  readonly plain: ShaderProgram;
  readonly composite: ShaderProgram;
}

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

  get(fragmentFile: string, defines: readonly string[] = []): ShaderProgram {
    const key = [fragmentFile, ...defines].join(' ');
    let program = this.programs.get(key);
    if (!program) {
      program = ShaderProgram.build(this.gl, this.loader.load('quad.vert.glsl'), this.loader.load(fragmentFile, defines));
      this.programs.set(key, program);
    }
    return program;
  }

  /** Both variants of an output pass; its shader ends with finish() from composite.glsl. */
  output(fragmentFile: string, defines: readonly string[] = []): OutputProgram {
    return { plain: this.get(fragmentFile, defines), composite: this.get(fragmentFile, [...defines, 'COMPOSITE']) };
  }

  dispose(): void {
    for (const program of this.programs.values()) program.dispose();
    this.programs.clear();
  }
}
