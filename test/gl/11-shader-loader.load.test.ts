import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShaderLoader, ShaderSourceError } from '../../src/pipeline/composite/shader-loader.js';

describe('ShaderLoader.load', function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'facemat-shaders-'));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('expands #include with #line directives that give every file its own source number', function () {
    writeFileSync(join(dir, 'main.frag.glsl'), 'line one\n#include "lib.glsl"\nline three\n');
    writeFileSync(join(dir, 'lib.glsl'), 'lib one\nlib two\n');
    const source = new ShaderLoader(dir).load('main.frag.glsl');
    assert.deepEqual(source.files, ['main.frag.glsl', 'lib.glsl']);
    assert.equal(source.text, ['#line 1 0', 'line one', '#line 1 1', 'lib one', 'lib two', '', '#line 3 0', 'line three', ''].join('\n'));
  });

  it('includes a file once per shader, so shared uniforms are declared once', function () {
    writeFileSync(join(dir, 'main.frag.glsl'), '#include "a.glsl"\n#include "common.glsl"\n');
    writeFileSync(join(dir, 'a.glsl'), '#include "common.glsl"\n');
    writeFileSync(join(dir, 'common.glsl'), 'uniform float u_x;\n');
    const source = new ShaderLoader(dir).load('main.frag.glsl');
    assert.equal(source.text.split('uniform float u_x;').length - 1, 1);
  });

  it('reports an include cycle', function () {
    writeFileSync(join(dir, 'a.glsl'), '#include "b.glsl"\n');
    writeFileSync(join(dir, 'b.glsl'), '#include "a.glsl"\n');
    assert.throws(() => new ShaderLoader(dir).load('a.glsl'), (err: Error) => err instanceof ShaderSourceError && /cycle: a.glsl -> b.glsl -> a.glsl/.test(err.message));
  });

  it('names the including file when an include is missing', function () {
    writeFileSync(join(dir, 'a.glsl'), '#include "missing.glsl"\n');
    assert.throws(() => new ShaderLoader(dir).load('a.glsl'), /missing\.glsl \(included from a\.glsl\)/);
  });

  it('loads every shader shipped in shaders/', function () {
    const loader = new ShaderLoader();
    const files = readdirSync(loader.dir).filter((f) => f.endsWith('.frag.glsl') || f.endsWith('.vert.glsl'));
    assert.ok(files.length >= 15, `${files.length} shaders`);
    for (const f of files) assert.ok(loader.load(f).text.includes('void main()'), f);
  });
});
