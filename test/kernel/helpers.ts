/**
 * Helpers for the real-kernel tests (test/kernel/<group>/*.test.ts). These tests run inside the
 * qemu guest that scripts/kernel-vm/test.sh boots (`npm run test:kernel`): a real Linux kernel
 * with vivid and v4l2loopback loaded as the group's vm.env says, as root, in a throwaway copy of
 * this machine's root filesystem. `modprobe` / `modprobe -r` work there, so tests may unload and
 * load modules (each group boots its own VM; leave the modules as you found them for the files
 * that run after yours).
 *
 * Everything is slow under TCG emulation: a node process takes 1-3 s to start. Give spawned
 * programs generous timeouts and wait for conditions with waitFor() rather than fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the directory holding package.json), where the VM's command starts. */
export const repoRoot: string = (() => {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** True inside the test VM (run.sh exports FACEMAT_KERNEL_VM=1). */
export const inVm = process.env.FACEMAT_KERNEL_VM === '1';

/**
 * Mocha `before` hook for every kernel test file: refuses to run on a normal machine, where
 * `modprobe -r` and friends would touch the real kernel.
 */
export function requireVm(): void {
  if (!inVm) {
    throw new Error('this test runs inside the kernel test VM only: npm run test:kernel (see docs/kernel-tests.md)');
  }
}

/** A folder whose files come back to the host (run.sh --out); a fresh tmp folder otherwise. */
export function outDir(): string {
  return process.env.FACEMAT_VM_OUT || '/tmp';
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the command was killed for running past its timeout. */
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** Kill the command (its whole process group: SIGTERM, then SIGKILL 2 s later) after this long. Default 60 s. */
  timeoutMs?: number;
  cwd?: string;
  /** Added to process.env. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (stdin is empty otherwise). */
  input?: string | Buffer;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/** Runs a command to its end (or its timeout) and captures its output. Never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.input ?? '');
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      hard = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(hard);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(hard);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Describes a result for assertion messages: exit status and the output's tails. */
export function describeResult(result: RunResult): string {
  const tail = (text: string) => text.trimEnd().split('\n').slice(-20).join('\n');
  const status = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
  return `${status} after ${(result.ms / 1000).toFixed(1)} s\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`;
}

/** Runs the built CLI: `node dist/src/cli/main.js ARGS` (built by `npm run build`). */
export function facemat(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [join(repoRoot, 'dist/src/cli/main.js'), ...args], options);
}

/** A long-running program (a consumer, a producer) whose output is kept while it runs. */
export interface Background {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves when the output matches; rejects on timeout or if the program ends first. */
  waitForOutput(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit status when the program ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGTERM by default) to its process group and waits for it to end (SIGKILL after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<Background>();

/** Starts a program in the background. Call stop() (or stopAll() in an afterEach). */
export function start(command: string, args: readonly string[] = [], options: Omit<RunOptions, 'timeoutMs' | 'input'> = {}): Background {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (text: string) => {
    output += text;
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      output += `\n[cannot run ${command}: ${err.message}]\n`;
      ended = true;
      for (const listener of listeners) listener();
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => {
      ended = true;
      for (const listener of listeners) listener();
      resolve({ code, signal });
    });
  });
  const handle: Background = {
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, what, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (ended) {
            done();
            reject(new Error(`${command} ended before ${what}; its output:\n${output.slice(-3000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} from ${command}; its output:\n${output.slice(-3000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      started.delete(handle);
      if (!ended) {
        killGroup(child, signal);
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  started.add(handle);
  return handle;
}

/** Stops every program start() started that is still running (for afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((handle) => handle.stop()));
}

/**
 * Polls until check() returns a truthy value (or a promise of one) and returns it; a check that
 * throws counts as not yet. On timeout it throws "timed out after N s waiting for <what>", with
 * the last error or value seen.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = `last value: ${JSON.stringify(value)}`;
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${last})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The video nodes the kernel has now: path (/dev/videoN) and the name the driver gave it in sysfs. */
export function videoNodes(): { path: string; name: string }[] {
  const base = '/sys/class/video4linux';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((entry) => /^video\d+$/.test(entry))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((entry) => ({ path: `/dev/${entry}`, name: readFileSync(join(base, entry, 'name'), 'utf8').trim() }));
}

/**
 * The /dev/videoN node whose sysfs name is `name` (vivid: "vivid-000-vid-cap",
 * "vivid-000-vid-out"; v4l2loopback: its card_label), or undefined.
 */
export function videoNode(name: string): string | undefined {
  return videoNodes().find((node) => node.name === name)?.path;
}

/** True when the module is loaded now. */
export function moduleLoaded(module: string): boolean {
  return existsSync(`/sys/module/${module.replace(/-/g, '_')}`);
}

/**
 * `modprobe MODULE OPTIONS...` in the guest. Options are passed as separate words, e.g.
 * modprobe('v4l2loopback', 'video_nr=11', 'card_label="FaceMat Camera"', 'exclusive_caps=1').
 */
export async function modprobe(module: string, ...options: string[]): Promise<void> {
  const result = await run('modprobe', [module, ...options], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`modprobe ${module} ${options.join(' ')} failed: ${describeResult(result)}`);
}

/**
 * `modprobe -r MODULE`, retried while the module is still in use (a program closing its node
 * releases it a moment later); throws, saying who holds it, after timeoutMs.
 */
export async function modprobeRemove(module: string, timeoutMs = 20_000): Promise<void> {
  let said = '';
  try {
    await waitFor(
      async () => {
        if (!moduleLoaded(module)) return true;
        const result = await run('modprobe', ['-r', module], { timeoutMs: 30_000 });
        said = result.stderr.trim();
        return result.code === 0;
      },
      `modprobe -r ${module} to succeed`,
      { timeoutMs, intervalMs: 500 },
    );
  } catch (err) {
    const holders = existsSync(`/sys/module/${module}/holders`) ? readdirSync(`/sys/module/${module}/holders`).join(', ') : '';
    throw new Error(`${(err as Error).message}; modprobe said: ${said || '(nothing)'}${holders ? `; held by modules: ${holders}` : ''}`);
  }
}

/** vivid's default pattern, 75 % colour bars, left to right. */
export const VIVID_BARS = ['white', 'yellow', 'cyan', 'green', 'magenta', 'red', 'blue', 'black'];

/** A 75 % bar's name from which of R, G, B is lit (above 100), or its rgb() when none fits. */
export function colourName(r: number, g: number, b: number): string {
  const lit = (r > 100 ? 'R' : '') + (g > 100 ? 'G' : '') + (b > 100 ? 'B' : '');
  const names: Record<string, string> = { RGB: 'white', RG: 'yellow', GB: 'cyan', G: 'green', RB: 'magenta', R: 'red', B: 'blue', '': 'black' };
  return names[lit] ?? `rgb(${r},${g},${b})`;
}

/** The bar each of 8 columns shows in an RGB24 frame (sampled at 60 % height, below vivid's text). */
export function vividBarsOf(rgb: Buffer, width: number, height: number): string[] {
  const y = Math.floor(height * 0.6);
  return Array.from({ length: 8 }, (_, i) => {
    const o = (y * width + Math.floor(((i + 0.5) * width) / 8)) * 3;
    return colourName(rgb[o], rgb[o + 1], rgb[o + 2]);
  });
}
