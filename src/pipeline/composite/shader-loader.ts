import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../config/paths.js';

/**
 * A shader's source after `#include "file.glsl"` lines are expanded. Every file gets its own GLSL
 * source-string number through `#line LINE NUMBER` directives, so the driver's error log
 * ("ERROR: 2:14: ...") can be mapped back to `files[2]` line 14.
 */
export interface ShaderSource {
  readonly name: string;
  readonly text: string;
  /** files[n] is the file behind source-string number n. */
  readonly files: readonly string[];
}

export class ShaderSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShaderSourceError';
  }
}

const INCLUDE = /^\s*#include\s+"([^"]+)"\s*$/;

/** Reads the plain .glsl files of shaders/ (or another directory, for tests). */
export class ShaderLoader {
  constructor(readonly dir: string = join(packageRoot(), 'shaders')) {}

  /** `defines` become `#define NAME 1` lines ahead of the source (variants of one file). */
  load(name: string, defines: readonly string[] = []): ShaderSource {
    const files: string[] = [];
    const text = this.expand(name, files, []);
    return { name, text: defines.map((d) => `#define ${d} 1\n`).join('') + text, files };
  }

  private expand(name: string, files: string[], stack: string[]): string {
    if (stack.includes(name)) throw new ShaderSourceError(`shader include cycle: ${[...stack, name].join(' -> ')}`);
    // Each file is included once per shader: a second include would redeclare its uniforms.
    if (files.includes(name)) return '';
    const number = files.length;
    files.push(name);
    let raw: string;
    try {
      raw = readFileSync(join(this.dir, name), 'utf8');
    } catch (err) {
      const from = stack.length ? ` (included from ${stack[stack.length - 1]})` : '';
      throw new ShaderSourceError(`cannot read shader ${join(this.dir, name)}${from}: ${(err as Error).message}`);
    }
    const out = [`#line 1 ${number}`];
    raw.split('\n').forEach((line, index) => {
      const include = INCLUDE.exec(line);
      if (!include) {
        out.push(line);
        return;
      }
      out.push(this.expand(include[1], files, [...stack, name]));
      // Back in this file: the next line is line index + 2 (lines count from 1).
      out.push(`#line ${index + 2} ${number}`);
    });
    return out.join('\n');
  }
}
