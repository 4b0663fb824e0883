import { flagText, type CommandSpec } from './option-spec.js';

/** Lines of --help are wrapped to this width, as a terminal shows them. */
const WIDTH = 100;
/** The flag column; a longer flag puts its text on the next line. */
const FLAG_COLUMN = 28;

/** A command's `--help`, from its spec. */
export function helpText(spec: CommandSpec): string {
  const lines = [`usage: facemat ${spec.name}${spec.usage ? ` ${spec.usage}` : ''}`];
  if (spec.about) lines.push('', spec.about);
  const withConfig = Object.values(spec.options).some((option) => option.configKey !== undefined);
  lines.push('', withConfig ? 'options (and their config file keys; flags win over the file):' : 'options:');
  for (const [name, option] of Object.entries(spec.options)) {
    const flagColumn = option.kind === 'config-only' ? '(config file only)' : flagText(name, option);
    let text = plain(option.help);
    if ((option.kind === 'value' || option.kind === 'list') && option.required) text += ' (required)';
    else if (option.defaultText !== undefined) text += ` (default: ${plain(option.defaultText)})`;
    if (option.configKey) text += ` [${option.configKey}]`;
    lines.push(...row(flagColumn, text));
  }
  lines.push(...row('-h, --help', 'this help'));
  if (spec.footer) lines.push('', spec.footer);
  return lines.join('\n');
}

/** One option: the flag, then its text wrapped under the text column. */
function row(flag: string, text: string): string[] {
  const indent = ' '.repeat(2 + FLAG_COLUMN + 1);
  const wrapped = wrap(text, WIDTH - indent.length);
  const first = `  ${flag}`;
  if (first.length < indent.length) return [first.padEnd(indent.length) + wrapped[0], ...wrapped.slice(1).map((l) => indent + l)];
  return [first, ...wrapped.map((l) => indent + l)];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/** The docs' markdown as a terminal shows it: links as their text, no backticks. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/`/g, '');
}
