import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XDisplay } from '../../src/pipeline/composite/display.js';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import { GlContext } from '../../src/pipeline/composite/gl-context.js';
import { ShaderLoader } from '../../src/pipeline/composite/shader-loader.js';
import { compileError, ShaderCompileError, ShaderProgram } from '../../src/pipeline/composite/shader-program.js';

describe('ShaderProgram.build', function () {
  let context: GlContext;
  let dir: string;
  let loader: ShaderLoader;

  before(async function () {
    context = GlContext.create(await XDisplay.acquire());
  });

  after(function () {
    context.destroy();
  });

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'facemat-shaders-'));
    loader = new ShaderLoader(dir);
    cpSync(join(new ShaderLoader().dir, 'quad.vert.glsl'), join(dir, 'quad.vert.glsl'));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (fragment: string) => ShaderProgram.build(context.gl, loader.load('quad.vert.glsl'), loader.load(fragment));

  it('builds a valid program and finds its uniforms', function () {
    writeFileSync(join(dir, 'ok.frag.glsl'), 'precision highp float;\nuniform float u_v;\nvoid main() {\n  gl_FragColor = vec4(u_v);\n}\n');
    const program = build('ok.frag.glsl');
    assert.ok(program.location('u_v'));
    assert.equal(program.location('u_unused'), null);
    program.dispose();
  });

  it('names the file and line of a compile error', function () {
    writeFileSync(join(dir, 'broken.frag.glsl'), 'precision highp float;\n\nvoid main() {\n  gl_FragColor = vec4(undeclared);\n}\n');
    assert.throws(
      () => build('broken.frag.glsl'),
      (err: Error) =>
        err instanceof ShaderCompileError && err.file === 'broken.frag.glsl' && err.line === 4 && /broken\.frag\.glsl:4: error: .*undeclared/.test(err.message),
    );
  });

  it('names the included file and its line when the error is in an include', function () {
    writeFileSync(join(dir, 'lib.glsl'), 'float helper() {\n  return 1.0;\n}\nfloat broken() {\n  return nothing;\n}\n');
    writeFileSync(join(dir, 'main.frag.glsl'), 'precision highp float;\n#include "lib.glsl"\nvoid main() {\n  gl_FragColor = vec4(helper());\n}\n');
    assert.throws(() => build('main.frag.glsl'), (err: Error) => err instanceof ShaderCompileError && err.file === 'lib.glsl' && err.line === 5);
  });

  it('counts lines after an include in the including file', function () {
    writeFileSync(join(dir, 'lib.glsl'), 'float helper() {\n  return 1.0;\n}\n');
    writeFileSync(join(dir, 'main.frag.glsl'), 'precision highp float;\n#include "lib.glsl"\nvoid main() {\n  gl_FragColor = vec4(oops);\n}\n');
    assert.throws(() => build('main.frag.glsl'), (err: Error) => err instanceof ShaderCompileError && err.file === 'main.frag.glsl' && err.line === 4);
  });

  it('stops GlCompositor.open with the file and line of a broken shipped shader', async function () {
    const shaders = mkdtempSync(join(tmpdir(), 'facemat-shaders-'));
    try {
      cpSync(new ShaderLoader().dir, shaders, { recursive: true });
      const file = join(shaders, 'toon.frag.glsl');
      const lines = readFileSync(file, 'utf8').split('\n');
      const at = lines.findIndex((l) => l.includes('float band ='));
      lines[at] = '  float band = notDeclared;';
      writeFileSync(file, lines.join('\n'));
      const compositor = new GlCompositor({ shaderDir: shaders });
      await assert.rejects(compositor.open({ width: 64, height: 48, fps: 30 }), (err: Error) => {
        assert.ok(err instanceof ShaderCompileError);
        assert.match(err.message, new RegExp(`toon\\.frag\\.glsl:${at + 1}: error: .*notDeclared`));
        return true;
      });
    } finally {
      rmSync(shaders, { recursive: true, force: true });
    }
  });
});

describe('compileError', function () {
  it('maps "ERROR: n:line" of a driver log to the files of the source', function () {
    const err = compileError({ name: 'a.frag.glsl', text: '', files: ['a.frag.glsl', 'common.glsl'] }, "WARNING: 0:2: 'x' : unused\nERROR: 1:7: 'y' : undeclared identifier\n");
    assert.equal(err.file, 'common.glsl');
    assert.equal(err.line, 7);
    assert.match(err.message, /a\.frag\.glsl:2: warning: 'x' : unused/);
    assert.match(err.message, /common\.glsl:7: error: 'y' : undeclared identifier/);
  });
});
