import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkImports } from '../../scripts/check-imports.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A throwaway src/ tree: path -> file text. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'facemat-imports-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('checkImports', function () {
  const roots: string[] = [];
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  const check = (files: Record<string, string>) => {
    const root = tree(files);
    roots.push(root);
    return checkImports(root) as { files: number; offences: string[] };
  };

  it('finds no upward import and no cycle in this repository', function () {
    const { files, offences } = checkImports(repo) as { files: number; offences: string[] };
    assert.ok(files > 100, `read the whole src/ (${files} files)`);
    assert.deepEqual(offences, []);
  });

  it('accepts imports that run down the layers and inside a room', function () {
    const { offences } = check({
      'src/cli/main.ts': "import { start } from '../app/app.js';",
      'src/app/app.ts': "import { x } from '../pipeline/scheduler/s.js';\nimport { y } from '../util/u.js';",
      'src/pipeline/scheduler/s.ts': "import { f } from '../frame.js';\nimport { k } from '../sink/k.js';\nimport { t } from './t.js';",
      'src/pipeline/scheduler/t.ts': '',
      'src/pipeline/sink/k.ts': "import { f } from '../frame.js';",
      'src/pipeline/frame.ts': '',
      'src/util/u.ts': '',
    });
    assert.deepEqual(offences, []);
  });

  it('names an import that runs up a layer, inside the pipeline too', function () {
    const { offences } = check({
      'src/config/paths.ts': "import { UsageError } from '../cli/command.js';",
      'src/cli/command.ts': '',
      'src/pipeline/sink/k.ts': "import { C } from '../controller/c.js';",
      'src/pipeline/controller/c.ts': '',
    });
    assert.equal(offences.length, 2, offences.join('\n'));
    assert.match(offences[0], /src\/config\/paths\.ts imports src\/cli\/command\.ts: cli is a layer above config/);
    assert.match(offences[1], /src\/pipeline\/sink\/k\.ts imports src\/pipeline\/controller\/c\.ts: controller is a layer above sink/);
  });

  it('refuses imports between rooms of one layer, and rooms in no layer', function () {
    const { offences } = check({
      'src/pipeline/matte/m.ts': "import { c } from '../composite/c.js';",
      'src/pipeline/composite/c.ts': '',
      'src/newroom/n.ts': "import { u } from '../util/u.js';",
      'src/util/u.ts': '',
    });
    assert.ok(offences.some((o: string) => /matte and composite are rooms of one layer/.test(o)), offences.join('\n'));
    assert.ok(offences.some((o: string) => /newroom is in no layer/.test(o)), offences.join('\n'));
  });

  it('finds files that import each other in a circle within one room', function () {
    const { offences } = check({
      'src/obs/a.ts': "import { b } from './b.js';",
      'src/obs/b.ts': "import { c } from './c.js';",
      'src/obs/c.ts': "import { a } from './a.js';",
    });
    assert.deepEqual(offences, ['import cycle: src/obs/a.ts -> src/obs/b.ts -> src/obs/c.ts']);
  });
});
