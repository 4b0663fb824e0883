#!/usr/bin/env node
import type { CliCommand } from './command.js';
import { EXIT_USAGE, UsageError } from './command.js';

/** Every sub-command; each module exports `command`. Loaded lazily so `facemat ctl` stays fast. */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  run: async () => (await import('./commands/run.js')).command,
  ctl: async () => (await import('./commands/ctl.js')).command,
  devices: async () => (await import('./commands/devices.js')).command,
  doctor: async () => (await import('./commands/doctor.js')).command,
  camera: async () => (await import('./commands/camera.js')).command,
  matte: async () => (await import('./commands/matte.js')).command,
  render: async () => (await import('./commands/render.js')).command,
};

/** The usage text; loads every command for its one-line summary (only `--help` pays for that). */
async function usage(): Promise<string> {
  const lines = ['usage: facemat <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(9)} ${(await load()).summary}`);
  lines.push('', 'Run `facemat <command> --help` for its options.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write((await usage()) + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`facemat: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return EXIT_USAGE;
  }
  const command = await load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`facemat ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`facemat: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
