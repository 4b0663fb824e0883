import { parseArgs } from 'node:util';
import { UsageError } from '../command.js';
import type { CommandSpec, ListOption, OptionSpec, OptionTable, OptionValues, ValueOption } from './option-spec.js';

export interface ParsedCommandLine<O extends OptionTable> {
  /** -h or --help was given: the command prints its help and exits 0, whatever else is there. */
  help: boolean;
  values: OptionValues<O>;
  /** The arguments that are not options, as the spec's `operands` allows. */
  operands: string[];
}

/**
 * Parses a command's arguments by its spec. Every mistake is a UsageError in one form:
 *   unknown option --foo (options: --a, --b)
 *   --fps needs a value (accepted: an integer 1..120)
 *   invalid value "abc" for --fps (accepted: an integer 1..120)
 *   --uncertainty takes no value
 *   --input FILE|DIR is required
 *   unexpected argument "stray" (see facemat run --help)
 */
export function parseCommandLine<O extends OptionTable>(spec: CommandSpec<O>, argv: readonly string[]): ParsedCommandLine<O> {
  // util.parseArgs splits the words (--name=value, -h, --); not strict, so that every check,
  // and so every message, is the one form above
  const { tokens } = parseArgs({ args: [...argv], options: wordsOf(spec.options), strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  const operands: string[] = [];
  let afterTerminator = false;
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true, values: {}, operands: [] };
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterTerminator = true;
    } else if (token.kind === 'positional') {
      const allowed = spec.operands === 'any' || (spec.operands === 'after-terminator' && afterTerminator);
      if (!allowed) throw new UsageError(`unexpected argument "${token.value}" (see facemat ${spec.name} --help)`);
      operands.push(token.value);
    } else {
      const { name, option, negated } = lookUp(spec, token.name, token.rawName);
      if (option.kind === 'flag') {
        if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
        values[name] = !negated;
        continue;
      }
      const raw = token.value;
      if (raw === undefined || (!token.inlineValue && raw.startsWith('--'))) throw new UsageError(`${token.rawName} needs a value (accepted: ${accepted(option)})`);
      if (option.kind === 'value') {
        values[name] = checkValue(option, raw, token.rawName);
      } else {
        const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
        values[name] = [...((values[name] as unknown[] | undefined) ?? []), ...items.map((item) => checkValue(option, item, token.rawName))];
      }
    }
  }
  for (const [name, option] of Object.entries(spec.options)) {
    if ((option.kind === 'value' || option.kind === 'list') && option.required && values[name] === undefined) {
      throw new UsageError(`--${name} ${option.arg} is required`);
    }
  }
  return { help: false, values: values as OptionValues<O>, operands };
}

/** Checks one value by its option's `parse`; `where` names it in the error (`--fps`, `"fps" in FILE`). */
export function checkValue<T>(option: ValueOption<T> | ListOption<T>, raw: string, where: string): T {
  try {
    return option.parse(raw);
  } catch {
    throw new UsageError(`invalid value "${raw}" for ${where} (accepted: ${accepted(option)})`);
  }
}

/** The options that have a flag (not the config-file-only keys). */
export function flagOptions(options: OptionTable): Array<[string, Exclude<OptionSpec, { kind: 'config-only' }>]> {
  return Object.entries(options).filter((entry): entry is [string, Exclude<OptionSpec, { kind: 'config-only' }>] => entry[1].kind !== 'config-only');
}

function accepted(option: ValueOption<unknown> | ListOption<unknown>): string {
  return option.accepts ?? option.arg;
}

/** What parseArgs must know to split the words: which options take a value. */
function wordsOf(options: OptionTable): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const words: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of flagOptions(options)) words[name] = { type: option.kind === 'flag' ? 'boolean' : 'string' };
  return words;
}

function lookUp(spec: CommandSpec, name: string, rawName: string): { name: string; option: Exclude<OptionSpec, { kind: 'config-only' }>; negated: boolean } {
  const known = new Map(flagOptions(spec.options));
  const option = known.get(name);
  if (option) return { name, option, negated: false };
  const positive = name.startsWith('no-') ? known.get(name.slice(3)) : undefined;
  if (positive?.kind === 'flag' && positive.negatable) return { name: name.slice(3), option: positive, negated: true };
  if (known.size === 0) throw new UsageError(`unknown option ${rawName} (facemat ${spec.name} takes no options)`);
  throw new UsageError(`unknown option ${rawName} (options: ${[...known.keys()].map((n) => `--${n}`).join(', ')})`);
}
