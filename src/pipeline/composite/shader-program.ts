import type { ShaderSource } from './shader-loader.js';

/** A shader that did not compile or link; `message` names the .glsl file and line of each error. */
export class ShaderCompileError extends Error {
  constructor(
    message: string,
    /** The first error's file, e.g. "toon.frag.glsl". */
    readonly file: string,
    /** The first error's line in that file (1-based), or 0 when the driver gave none. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'ShaderCompileError';
  }
}

/** Vertex attribute 0 is the full-screen quad; headless-gl emulates a disabled attribute 0 slowly. */
export const QUAD_ATTRIBUTE = 'a_position';

/**
 * A linked GL program with its uniform locations looked up once. Setting a uniform the shader
 * does not use (the compiler removed it) is a no-op, as in GL itself.
 */
export class ShaderProgram {
  private readonly locations = new Map<string, WebGLUniformLocation | null>();

  private constructor(
    private readonly gl: WebGLRenderingContext,
    readonly name: string,
    readonly program: WebGLProgram,
  ) {}

  static build(gl: WebGLRenderingContext, vertex: ShaderSource, fragment: ShaderSource): ShaderProgram {
    const vs = compile(gl, gl.VERTEX_SHADER, vertex);
    const fs = compile(gl, gl.FRAGMENT_SHADER, fragment);
    const program = gl.createProgram();
    if (!program) throw new Error('gl.createProgram() failed');
    gl.attachShader(program, vs);
    gl.attachShader(program, fs);
    gl.bindAttribLocation(program, 0, QUAD_ATTRIBUTE);
    gl.linkProgram(program);
    gl.deleteShader(vs);
    gl.deleteShader(fs);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      const log = gl.getProgramInfoLog(program) ?? '';
      gl.deleteProgram(program);
      throw new ShaderCompileError(`${fragment.name}: link failed with ${vertex.name}: ${log.trim()}`, fragment.files[0], 0);
    }
    return new ShaderProgram(gl, fragment.name, program);
  }

  use(): void {
    this.gl.useProgram(this.program);
  }

  location(name: string): WebGLUniformLocation | null {
    let loc = this.locations.get(name);
    if (loc === undefined) {
      loc = this.gl.getUniformLocation(this.program, name);
      this.locations.set(name, loc);
    }
    return loc;
  }

  set1i(name: string, v: number): void {
    const loc = this.location(name);
    if (loc) this.gl.uniform1i(loc, v);
  }

  set1f(name: string, v: number): void {
    const loc = this.location(name);
    if (loc) this.gl.uniform1f(loc, v);
  }

  set2f(name: string, x: number, y: number): void {
    const loc = this.location(name);
    if (loc) this.gl.uniform2f(loc, x, y);
  }

  set3f(name: string, x: number, y: number, z: number): void {
    const loc = this.location(name);
    if (loc) this.gl.uniform3f(loc, x, y, z);
  }

  set4f(name: string, x: number, y: number, z: number, w: number): void {
    const loc = this.location(name);
    if (loc) this.gl.uniform4f(loc, x, y, z, w);
  }

  dispose(): void {
    this.gl.deleteProgram(this.program);
  }
}

function compile(gl: WebGLRenderingContext, type: number, source: ShaderSource): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error('gl.createShader() failed');
  gl.shaderSource(shader, source.text);
  gl.compileShader(shader);
  if (gl.getShaderParameter(shader, gl.COMPILE_STATUS)) return shader;
  const log = gl.getShaderInfoLog(shader) ?? '';
  gl.deleteShader(shader);
  throw compileError(source, log);
}

/** Rewrites "ERROR: 2:14: msg" driver lines as "file.glsl:14: msg" using the source-string map. */
export function compileError(source: ShaderSource, log: string): ShaderCompileError {
  const lines: string[] = [];
  let first: { file: string; line: number } | null = null;
  for (const raw of log.split('\n')) {
    const text = raw.trim();
    if (!text) continue;
    const m = /^(ERROR|WARNING):\s*(\d+):(\d+):\s*(.*)$/.exec(text);
    if (!m) {
      lines.push(`  ${text}`);
      continue;
    }
    const file = source.files[Number(m[2])] ?? `${source.name} (source ${m[2]})`;
    const line = Number(m[3]);
    if (!first && m[1] === 'ERROR') first = { file, line };
    lines.push(`  ${file}:${line}: ${m[1].toLowerCase()}: ${m[4]}`);
  }
  const where = first ? `${first.file}:${first.line}` : source.name;
  return new ShaderCompileError(
    `shader ${source.name} failed to compile (${where}):\n${lines.join('\n')}`,
    first?.file ?? source.name,
    first?.line ?? 0,
  );
}
