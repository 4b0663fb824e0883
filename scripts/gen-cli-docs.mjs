#!/usr/bin/env node
// Writes docs/cli.md's option tables, between the <!-- options:NAME:begin --> and
// <!-- options:NAME:end --> markers, from the commands' option specs (src/cli/options/), so the
// reference cannot drift from what the commands accept; the unit suite fails when it has
// (test/unit/22-cli-docs.write-cli-docs.test.ts). Reads the build:
//
//   npm run docs:cli      (tsc, then this)
import { readFileSync, writeFileSync } from 'node:fs';
import { commandSpecs } from '../dist/src/cli/command-list.js';
import { writeCliDocs } from '../dist/src/cli/options/cli-docs.js';

const path = new URL('../docs/cli.md', import.meta.url);
const { text, changed, missing } = writeCliDocs(readFileSync(path, 'utf8'), await commandSpecs());
writeFileSync(path, text);
console.log(changed.length > 0 ? `docs/cli.md: rewrote the options of ${changed.join(', ')}` : 'docs/cli.md: every options table is up to date');
if (missing.length > 0) {
  console.error(`docs/cli.md has no markers for ${missing.join(', ')}: put <!-- options:NAME:begin --> and <!-- options:NAME:end --> on their own lines where each table goes, then run this again`);
  process.exitCode = 1;
}
