import type { CommandSpec } from './options/option-spec.js';

/** A `facemat` sub-command. Each lives in src/cli/commands/NAME.ts and is listed in command-list.ts. */
export interface CliCommand {
  readonly name: string;
  /** One line for `facemat --help`. */
  readonly summary: string;
  /** Its option specs (one per sub-command for `camera`): its parsing, `--help` and docs/cli.md's tables. */
  readonly specs: readonly CommandSpec[];
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Exit code for bad usage (unknown option, invalid value), as the issue and POSIX tools use. */
export const EXIT_USAGE = 2;

/** Thrown for bad options or config keys; main prints the message on one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
