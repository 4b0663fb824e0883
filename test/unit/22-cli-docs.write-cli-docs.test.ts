import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandSpecs } from '../../src/cli/command-list.js';
import { writeCliDocs } from '../../src/cli/options/cli-docs.js';
import { commandSpec, flag } from '../../src/cli/options/option-spec.js';

const CLI_DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'cli.md');

describe('writeCliDocs', function () {
  it('docs/cli.md holds the option tables the specs give (else: npm run docs:cli)', async function () {
    const { changed, missing } = writeCliDocs(readFileSync(CLI_DOCS, 'utf8'), await commandSpecs());
    assert.deepEqual(missing, [], `docs/cli.md has no <!-- options:NAME:begin --> / <!-- options:NAME:end --> markers for ${missing.join(', ')}: add them where each table goes, then run \`npm run docs:cli\``);
    assert.deepEqual(changed, [], `docs/cli.md differs from the option spec of ${changed.map((name) => `facemat ${name.replace('-', ' ')}`).join(', ')}: run \`npm run docs:cli\` and commit docs/cli.md`);
  });

  it('rewrites only the text between a command\'s markers, and names what changed', function () {
    const spec = commandSpec({ name: 'demo sub', summary: '', usage: '', options: { json: flag({ help: 'print JSON' }) } });
    const text = 'intro\n<!-- options:demo-sub:begin -->\nold table\n<!-- options:demo-sub:end -->\noutro\n';
    const first = writeCliDocs(text, [spec]);
    assert.equal(first.text, 'intro\n<!-- options:demo-sub:begin -->\n| option | default | meaning |\n|---|---|---|\n| `--json` | off | print JSON |\n<!-- options:demo-sub:end -->\noutro\n');
    assert.deepEqual(first.changed, ['demo-sub']);
    assert.deepEqual(writeCliDocs(first.text, [spec]).changed, []);
    assert.deepEqual(writeCliDocs('no markers', [spec]).missing, ['demo-sub']);
  });
});
