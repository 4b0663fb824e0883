import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Finds a program on PATH (then /usr/sbin and /sbin, where modprobe lives for non-root users). */
export function which(name: string, env: NodeJS.ProcessEnv): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) {
        accessSync(path, constants.X_OK);
        return path;
      }
    } catch {
      // not here
    }
  }
  return null;
}

const PLAIN = /^[\w@%+=:,./-]+$/;

/** One argument as a shell would need it, readable for key=value: card_label="FaceMat Camera". */
function shellQuote(arg: string): string {
  if (PLAIN.test(arg)) return arg;
  const kv = /^([\w.-]+=)(.*)$/s.exec(arg);
  if (kv && !/["$`\\!\n]/.test(kv[2])) return `${kv[1]}"${kv[2]}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. stdin stays the terminal, so sudo and pkexec's text agent can
 * ask for a password; stdout and stderr are collected for the one-line error.
 */
export function runProgram(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['inherit', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

/** The last non-empty line a failed program printed, for a one-line error. */
export function lastLine(result: RunResult): string {
  const lines = (result.stderr + '\n' + result.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? `exit status ${result.code}`;
}

export type ElevateMode = 'auto' | 'pkexec' | 'sudo';

export type Elevation = { prefix: string[] } | { prefix: null; reason: string };

/**
 * How to run a command as root: directly when we are root; else pkexec (the graphical polkit
 * prompt OBS uses) in a desktop session, sudo in a terminal; whichever exists.
 */
export function elevation(uid: number, env: NodeJS.ProcessEnv, mode: ElevateMode = 'auto'): Elevation {
  if (uid === 0) return { prefix: [] };
  const pkexec = which('pkexec', env);
  const sudo = which('sudo', env);
  if (mode === 'pkexec') return pkexec ? { prefix: [pkexec] } : { prefix: null, reason: 'pkexec is not installed (apt-get install pkexec, or use --elevate sudo)' };
  if (mode === 'sudo') return sudo ? { prefix: [sudo] } : { prefix: null, reason: 'sudo is not installed (use --elevate pkexec, or run as root)' };
  const desktop = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  const order = desktop ? [pkexec, sudo] : [sudo, pkexec];
  const found = order.find((p): p is string => p !== null);
  return found ? { prefix: [found] } : { prefix: null, reason: 'neither pkexec nor sudo is installed: run this as root' };
}
