import type { CliCommand } from './command.js';
import type { CommandSpec } from './options/option-spec.js';

/** Every sub-command; each module exports `command`. Loaded lazily so `facemat ctl` stays fast. */
export const COMMANDS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  run: async () => (await import('./commands/run.js')).command,
  ctl: async () => (await import('./commands/ctl.js')).command,
  devices: async () => (await import('./commands/devices.js')).command,
  doctor: async () => (await import('./commands/doctor.js')).command,
  camera: async () => (await import('./commands/camera.js')).command,
  matte: async () => (await import('./commands/matte.js')).command,
  render: async () => (await import('./commands/render.js')).command,
};

/** Every command's option specs, in the order above: what docs/cli.md's option tables are written from. */
export async function commandSpecs(): Promise<CommandSpec[]> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return commands.flatMap((command) => command.specs);
}
