import type { CommandSpec } from './option-spec.js';
import { optionsTable } from './options-table.js';

/** Where docs/cli.md holds a command's table: `<!-- options:camera-load:begin -->` ... `:end -->`. */
export function markerName(spec: CommandSpec): string {
  return spec.name.replace(/ /g, '-');
}

export interface CliDocs {
  /** docs/cli.md with every command's table written from its spec. */
  text: string;
  /** The commands whose table was not what the spec gives, by marker name. */
  changed: string[];
  /** Commands with no markers in the text: their table has nowhere to go. */
  missing: string[];
}

/** Rewrites the text between each command's markers from its spec. */
export function writeCliDocs(text: string, specs: readonly CommandSpec[]): CliDocs {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const spec of specs) {
    const name = markerName(spec);
    const begin = `<!-- options:${name}:begin -->\n`;
    const end = `\n<!-- options:${name}:end -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) {
      missing.push(name);
      continue;
    }
    const table = optionsTable(spec);
    if (text.slice(from + begin.length, to) !== table) changed.push(name);
    text = text.slice(0, from + begin.length) + table + text.slice(to);
  }
  return { text, changed, missing };
}
