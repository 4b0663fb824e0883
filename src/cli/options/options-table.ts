import { defaultOf, flagText, type CommandSpec } from './option-spec.js';

/** A command's options as the markdown table docs/cli.md holds between its markers. */
export function optionsTable(spec: CommandSpec): string {
  const entries = Object.entries(spec.options);
  if (entries.length === 0) return `\`facemat ${spec.name}\` takes no options.`;
  const withConfig = entries.some(([, option]) => option.configKey !== undefined);
  const header = withConfig ? ['flag', 'config key', 'default', 'meaning'] : ['option', 'default', 'meaning'];
  const rows = entries.map(([name, option]) => {
    const flag = option.kind === 'config-only' ? '' : `${code(flagText(name, option))}${option.kind === 'list' ? ' (repeatable)' : ''}`;
    const cells = withConfig ? [flag, option.configKey ? code(option.configKey) : ''] : [flag];
    return [...cells, cell(defaultOf(option)), cell(option.help)];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`.replace(/\| {2}\|/g, '| |');
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** A markdown table cell: a `|` would end it. */
function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

function code(text: string): string {
  return `\`${cell(text)}\``;
}
