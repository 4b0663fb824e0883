import assert from 'node:assert/strict';
import { CubeLutError, loadCubeLut, lutAtlas, parseCubeLut } from '../../src/pipeline/composite/cube-lut.js';
import { resolveAssetPath } from '../../src/pipeline/composite/asset-path.js';

/** An identity LUT of size n in .cube text. */
function identity(n: number, header = ''): string {
  const lines = [header, `LUT_3D_SIZE ${n}`];
  for (let b = 0; b < n; b++) for (let g = 0; g < n; g++) for (let r = 0; r < n; r++) lines.push(`${r / (n - 1)} ${g / (n - 1)} ${b / (n - 1)}`);
  return lines.join('\n') + '\n';
}

describe('parseCubeLut', function () {
  it('reads title, size, domain and the table with red fastest', function () {
    const lut = parseCubeLut(identity(3, '# comment\nTITLE "Test look"\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1'));
    assert.equal(lut.title, 'Test look');
    assert.equal(lut.size, 3);
    assert.deepEqual([...lut.table.slice(0, 6)], [0, 0, 0, 0.5, 0, 0]);
    assert.deepEqual([...lut.table.slice(3 * 3, 3 * 3 + 3)], [0, 0.5, 0]);
    assert.deepEqual(lut.domainMax, [1, 1, 1]);
  });

  it('reads LUT_3D_INPUT_RANGE as the domain', function () {
    const lut = parseCubeLut(identity(2, 'LUT_3D_INPUT_RANGE 0 2'));
    assert.deepEqual(lut.domainMin, [0, 0, 0]);
    assert.deepEqual(lut.domainMax, [2, 2, 2]);
  });

  for (const [text, pattern] of [
    ['LUT_3D_SIZE 2\n0 0 0\n', /x\.cube: 1 data lines, LUT_3D_SIZE 2 needs 8/],
    ['0 0 0\n', /x\.cube:1: colour data before LUT_3D_SIZE/],
    ['LUT_3D_SIZE 2\n0 0\n', /x\.cube:2: expected "r g b"/],
    ['LUT_3D_SIZE 2\n0 x 0\n', /x\.cube:2: "x" is not a number/],
    ['LUT_1D_SIZE 16\n', /x\.cube:1: a 1D LUT/],
    ['LUT_3D_SIZE 1\n', /x\.cube:1: LUT_3D_SIZE must be an integer in \[2, 128\]/],
    ['LUT_3D_SIZE 2\nFOO 1\n', /x\.cube:2: unknown keyword "FOO"/],
    ['# nothing\n', /x\.cube: no LUT_3D_SIZE line/],
  ] as const) {
    it(`rejects ${JSON.stringify(text)} with the file and line`, function () {
      assert.throws(() => parseCubeLut(text, 'x.cube'), (err: Error) => err instanceof CubeLutError && pattern.test(err.message));
    });
  }

  it('refuses a domain whose max is not above its min', function () {
    assert.throws(() => parseCubeLut(identity(2, 'DOMAIN_MIN 1 0 0\nDOMAIN_MAX 1 1 1'), 'x.cube'), /DOMAIN_MAX must be above DOMAIN_MIN/);
  });
});

describe('lutAtlas', function () {
  it('lays the blue slices side by side: texel (r + b * n, g) = table[r, g, b]', function () {
    const atlas = lutAtlas(parseCubeLut(identity(3)));
    assert.equal(atlas.width, 9);
    assert.equal(atlas.height, 3);
    const at = (x: number, y: number) => [...atlas.rgba.slice((y * 9 + x) * 4, (y * 9 + x) * 4 + 4)];
    assert.deepEqual(at(0, 0), [0, 0, 0, 255]);
    assert.deepEqual(at(2, 0), [255, 0, 0, 255]);
    assert.deepEqual(at(1, 2), [128, 255, 0, 255]);
    assert.deepEqual(at(3 * 2 + 2, 1), [255, 128, 255, 255]);
  });
});

describe('loadCubeLut', function () {
  it('loads the shipped warm-film LUT', function () {
    const lut = loadCubeLut(resolveAssetPath('assets/luts/warm-film.cube'));
    assert.equal(lut.size, 17);
    assert.equal(lut.table.length, 17 ** 3 * 3);
  });

  it('names a file it cannot read', function () {
    assert.throws(() => loadCubeLut('/nonexistent/look.cube'), /cannot read LUT \/nonexistent\/look\.cube/);
  });
});
