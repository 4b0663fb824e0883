#!/usr/bin/env node
// Checks that imports in src/ run one way (docs/architecture.md): no file imports a layer above
// its own, no two rooms of one layer import each other, and no files import each other in a
// circle. Prints every offence with the file and the import, exits 1 if there is any.
//
//   node scripts/check-imports.mjs [ROOT]     (ROOT: the repository, default: this one)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The layers, top first. A room is a folder or file under src/; a file may import its own room
 * and rooms of lower layers only. Inside the pipeline the same rule holds between its rooms.
 */
export const LAYERS = [
  ['cli'],
  ['app', 'render'],
  ['http', 'hotkeys', 'obs'],
  ['pipeline', 'setup'],
  ['native'],
  ['config', 'util', 'log.ts'],
];
export const PIPELINE_LAYERS = [
  ['controller'],
  ['scheduler'],
  ['source', 'matte', 'composite', 'sink'],
  ['filter-settings', 'frame-pool.ts'],
  ['frame.ts'],
];

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of one file, resolved to repository paths (`x.js` -> `x.ts`). */
function importsOf(file, root) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(root, resolve(dirname(file), name.replace(/\.js$/, '.ts'))));
}

/** [layer index, room] of a path under src/ (or under src/pipeline/ with `inner`). */
function place(path, layers, prefix) {
  const room = path.slice(prefix.length).split('/')[0];
  const index = layers.findIndex((layer) => layer.includes(room));
  return { room, index };
}

function check(from, to, layers, prefix, offences) {
  const a = place(from, layers, prefix);
  const b = place(to, layers, prefix);
  if (a.room === b.room) return;
  if (a.index < 0 || b.index < 0) {
    offences.push(`${from}: ${a.index < 0 ? a.room : b.room} is in no layer (scripts/check-imports.mjs LAYERS)`);
    return;
  }
  if (b.index < a.index) offences.push(`${from} imports ${to}: ${b.room} is a layer above ${a.room}`);
  else if (b.index === a.index) offences.push(`${from} imports ${to}: ${a.room} and ${b.room} are rooms of one layer`);
}

/** Files that import each other in a circle (Tarjan's strongly connected components). */
function cycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Every offence in the tree at `root`; empty when imports run one way. */
export function checkImports(root) {
  const offences = [];
  const graph = new Map();
  for (const file of tsFiles(join(root, 'src'))) {
    const from = relative(root, file);
    const targets = importsOf(file, root).filter((to) => to.startsWith('src/'));
    graph.set(from, targets);
    for (const to of targets) {
      check(from, to, LAYERS, 'src/', offences);
      if (from.startsWith('src/pipeline/') && to.startsWith('src/pipeline/')) check(from, to, PIPELINE_LAYERS, 'src/pipeline/', offences);
    }
  }
  for (const component of cycles(graph)) offences.push(`import cycle: ${component.join(' -> ')}`);
  return { files: graph.size, offences };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const { files, offences } = checkImports(root);
  for (const line of offences) console.error(line);
  console.log(`imports: ${files} files, ${offences.length} offence(s)`);
  process.exit(offences.length ? 1 : 0);
}
