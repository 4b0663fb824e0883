import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command.js';
import { accept, commandSpec, flag, list, value } from '../../src/cli/options/option-spec.js';
import { helpText } from '../../src/cli/options/help-text.js';
import { optionsTable } from '../../src/cli/options/options-table.js';
import { parseCommandLine } from '../../src/cli/options/parse-options.js';

const SPEC = commandSpec({
  name: 'demo',
  summary: 'a command for the tests',
  usage: '--input FILE [options]',
  options: {
    input: value({ arg: 'FILE', required: true, help: 'what to read' }),
    fps: value({ arg: 'N', accepts: 'an integer 1..120', parse: accept.integer(1, 120), defaultText: '30', help: 'frame rate' }),
    sink: list({ arg: 'SPEC', accepts: 'null or y4m:PATH', parse: accept.matching(/^(null|y4m:.+)$/), help: 'where `frames` go' }),
    loop: flag({ negatable: true, defaultText: 'on', help: 'loop the input' }),
    json: flag({ help: 'print JSON' }),
  },
});

const parse = (...argv: string[]) => parseCommandLine(SPEC, argv);
const usageError = (argv: string[], message: string) =>
  assert.throws(() => parseCommandLine(SPEC, argv), (err: unknown) => err instanceof UsageError && err.message === message);

describe('parseCommandLine', function () {
  it('gives typed values, undefined for what was not given', function () {
    const { help, values } = parse('--input', 'a.png', '--fps=25', '--sink', 'null', '--sink', 'y4m:a,y4m:b', '--no-loop');
    assert.equal(help, false);
    assert.deepEqual(values, { input: 'a.png', fps: 25, sink: ['null', 'y4m:a', 'y4m:b'], loop: false });
    assert.equal(parse('--input', 'a', '--loop').values.loop, true);
  });

  it('answers -h and --help wherever they are, before any check', function () {
    assert.equal(parse('--bogus', '-h').help, true);
    assert.equal(parse('--help').help, true);
  });

  it('says every mistake in one form', function () {
    usageError(['--input', 'a', '--foo'], 'unknown option --foo (options: --input, --fps, --sink, --loop, --json)');
    usageError(['--input', 'a', '--no-json'], 'unknown option --no-json (options: --input, --fps, --sink, --loop, --json)');
    usageError(['--input', 'a', '--fps', 'abc'], 'invalid value "abc" for --fps (accepted: an integer 1..120)');
    usageError(['--input', 'a', '--sink', 'null,mp4:x'], 'invalid value "mp4:x" for --sink (accepted: null or y4m:PATH)');
    usageError(['--input', 'a', '--fps'], '--fps needs a value (accepted: an integer 1..120)');
    usageError(['--input', '--fps', '3'], '--input needs a value (accepted: FILE)');
    usageError(['--input', 'a', '--json=yes'], '--json takes no value');
    usageError(['--fps', '3'], '--input FILE is required');
    usageError(['--input', 'a', 'stray'], 'unexpected argument "stray" (see facemat demo --help)');
  });

  it('takes operands only where the spec says', function () {
    const any = commandSpec({ ...SPEC, options: {}, operands: 'any' });
    assert.deepEqual(parseCommandLine(any, ['toggle', 'beautify']).operands, ['toggle', 'beautify']);
    const afterTerminator = commandSpec({ ...SPEC, options: {}, operands: 'after-terminator' });
    assert.deepEqual(parseCommandLine(afterTerminator, ['--', '--preset', 'Cartoon']).operands, ['--preset', 'Cartoon']);
    assert.throws(() => parseCommandLine(afterTerminator, ['stray']), /unexpected argument "stray"/);
    assert.throws(() => parseCommandLine(commandSpec({ ...SPEC, options: {} }), ['--x']), /unknown option --x \(facemat demo takes no options\)/);
  });
});

describe('helpText and optionsTable', function () {
  it('write the same options, for a terminal and for the docs', function () {
    const help = helpText(SPEC);
    assert.match(help, /^usage: facemat demo --input FILE \[options\]$/m);
    assert.match(help, /^ {2}--input FILE +what to read \(required\)$/m);
    assert.match(help, /^ {2}--sink SPEC,\.\.\. +where frames go$/m);
    assert.match(help, /^ {2}--\[no-\]loop +loop the input \(default: on\)$/m);
    assert.match(help, /^ {2}-h, --help +this help$/m);
    const table = optionsTable(SPEC).split('\n');
    assert.deepEqual(table.slice(0, 3), ['| option | default | meaning |', '|---|---|---|', '| `--input FILE` | required | what to read |']);
    assert.ok(table.includes('| `--sink SPEC,...` (repeatable) | | where `frames` go |'), table.join('\n'));
    assert.ok(table.includes('| `--json` | off | print JSON |'));
  });
});
