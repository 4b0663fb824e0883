/**
 * The one way a `facemat` command declares its options. From a command's table come its parsing
 * and errors (parse-options.ts), its `--help` (help-text.ts) and its table in docs/cli.md
 * (options-table.ts, written by scripts/gen-cli-docs.mjs). Texts are markdown: docs/cli.md shows
 * them as written, `--help` without the backticks and links.
 */

interface OptionText {
  /** What it does, one markdown line: the docs' "meaning" column and the `--help` line. */
  readonly help: string;
  /** The default in words (markdown), for the docs and `--help`; flags default to "off". */
  readonly defaultText?: string;
  /** `facemat run`'s config file key for the same setting (camelCase); adds a column to the docs. */
  readonly configKey?: string;
}

/** An on/off switch: `--NAME`; with `negatable`, also `--no-NAME`. It takes no value. */
export interface FlagOption extends OptionText {
  readonly kind: 'flag';
  readonly negatable?: boolean;
}

interface ValueText extends OptionText {
  /** The value's placeholder in the usage and the docs: `N`, `FILE|DIR`, `HOST:PORT`. */
  readonly arg: string;
  /** What is accepted, in plain words for the error message; the placeholder when left out. */
  readonly accepts?: string;
  /** `--NAME ARG is required` when it is missing. */
  readonly required?: boolean;
}

/** `--NAME VALUE` or `--NAME=VALUE`; the last one given wins. */
export interface ValueOption<T> extends ValueText {
  readonly kind: 'value';
  /** Checks and converts one value; throws (any error) when it is not accepted. */
  readonly parse: (raw: string) => T;
}

/** Repeatable, each value a comma-separated list: `--sink a --sink b,c` gives [a, b, c]. */
export interface ListOption<T> extends ValueText {
  readonly kind: 'list';
  /** Checks and converts one item. */
  readonly parse: (raw: string) => T;
}

/** A key of `facemat run`'s config file that has no flag (a JSON object, say). */
export interface ConfigOnlyOption extends OptionText {
  readonly kind: 'config-only';
  readonly configKey: string;
  readonly accepts: string;
}

export type OptionSpec = FlagOption | ValueOption<unknown> | ListOption<unknown> | ConfigOnlyOption;

/** A command's options, keyed by the long flag name without its dashes (`video-nr`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** What parsing gives for each option: undefined when it was not on the command line. */
export type OptionValues<O extends OptionTable> = {
  -readonly [K in keyof O]?: O[K] extends FlagOption
    ? boolean
    : O[K] extends ValueOption<infer T>
      ? T
      : O[K] extends ListOption<infer T>
        ? T[]
        : never;
};

export interface CommandSpec<O extends OptionTable = OptionTable> {
  /** The words after `facemat` (`run`, `camera load`); docs/cli.md's markers use it with dashes (`camera-load`). */
  readonly name: string;
  /** One line, for the list of commands (or sub-commands). */
  readonly summary: string;
  /** The usage line after `facemat NAME`, e.g. `--input FILE|DIR --output DIR [options]`. */
  readonly usage: string;
  /** `--help`'s paragraphs between the usage line and the options (plain text). */
  readonly about?: string;
  readonly options: O;
  /**
   * Arguments that are not options: none (the default; one is an error), `any` (`ctl`'s command
   * words), or `after-terminator` (only after `--`, passed on untouched: install-service's run options).
   */
  readonly operands?: 'none' | 'any' | 'after-terminator';
  /** `--help`'s lines after the options (exit status). */
  readonly footer?: string;
}

/** Declares a command, keeping its option table's exact type so parsing is typed by it. */
export function commandSpec<O extends OptionTable>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

export function flag(spec: Omit<FlagOption, 'kind'>): FlagOption {
  return { kind: 'flag', ...spec };
}

/** A value option; without `parse` the value is any non-empty string. */
export function value<T = string>(spec: Omit<ValueOption<T>, 'kind' | 'parse'> & { parse?: (raw: string) => T }): ValueOption<NoInfer<T>> {
  return { ...spec, kind: 'value', parse: spec.parse ?? (nonEmpty as (raw: string) => T) };
}

export function list<T = string>(spec: Omit<ListOption<T>, 'kind' | 'parse'> & { parse?: (raw: string) => T }): ListOption<NoInfer<T>> {
  return { ...spec, kind: 'list', parse: spec.parse ?? (nonEmpty as (raw: string) => T) };
}

export function configOnly(spec: Omit<ConfigOnlyOption, 'kind'>): ConfigOnlyOption {
  return { kind: 'config-only', ...spec };
}

/** Refuses a value inside `parse`; the parser turns any throw into the one error form, naming what is accepted. */
export function reject(): never {
  throw new Error('not accepted');
}

function nonEmpty(raw: string): string {
  return raw.length > 0 ? raw : reject();
}

/** Value checks for `parse`. */
export const accept = {
  /** One of a fixed list (exactly as written). */
  oneOf<T extends string>(values: readonly T[]): (raw: string) => T {
    return (raw) => (values.includes(raw as T) ? (raw as T) : reject());
  },
  /** A decimal integer in [min, max]. */
  integer(min: number, max: number): (raw: string) => number {
    return (raw) => {
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      return n >= min && n <= max ? n : reject();
    };
  },
  /** A string the pattern matches. */
  matching(pattern: RegExp): (raw: string) => string {
    return (raw) => (pattern.test(raw) ? raw : reject());
  },
};

/** How an option is written in `--help` and the docs: `--fps N`, `--[no-]loop`, `--sink SPEC...`. */
export function flagText(name: string, option: Exclude<OptionSpec, ConfigOnlyOption>): string {
  if (option.kind === 'flag') return option.negatable ? `--[no-]${name}` : `--${name}`;
  return `--${name} ${option.arg}${option.kind === 'list' ? ',...' : ''}`;
}

/** The default in words: what the spec says, else "required" or "off" (flags); empty when nothing sensible. */
export function defaultOf(option: OptionSpec): string {
  if (option.defaultText !== undefined) return option.defaultText;
  if (option.kind === 'flag') return 'off';
  if ((option.kind === 'value' || option.kind === 'list') && option.required) return 'required';
  return '';
}
