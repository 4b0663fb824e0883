import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { packageRoot } from '../../src/config/paths.js';

/** Runs the real `facemat` CLI from the sources (no build step needed). */
export function runCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: packageRoot(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The /dev/videoN nodes this machine really has. */
export function videoNodes(): string[] {
  return readdirSync('/dev')
    .filter((name) => /^video\d+$/.test(name))
    .map((name) => `/dev/${name}`);
}

/** Collects what a command writes. */
export function captureIo(): { stdout: { write(text: string): boolean }; stderr: { write(text: string): boolean }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => ((out += text), true) },
    stderr: { write: (text: string) => ((err += text), true) },
    out: () => out,
    err: () => err,
  };
}
