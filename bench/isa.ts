/**
 * `npm run bench -- inference --isa avx2`: the benchmarks as they run on a CPU without AVX-512.
 *
 * onnxruntime picks its CPU kernels from what CPUID reports: AVX-512 ones (16-float blocks) here,
 * AVX2 ones (8-float blocks) on AMD EPYC before Zen 4 and older Intel, where the student's latency
 * budget is tightest. bench/cpuid-mask.c, preloaded into the bench process, hides AVX-512, AVX-VNNI
 * and AMX from CPUID, so the AVX2 kernels can be timed on this machine, in the same session as the
 * native ones, instead of waiting for an AVX2 host. The caches, clock and memory stay this
 * machine's: it measures the kernels' share of the difference, not another CPU.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/config/paths.js';

export const ISAS = ['native', 'avx2'] as const;
export type Isa = (typeof ISAS)[number];

/** Set by the preloaded library: "active", or "unsupported: <reason>". */
export const MASK_STATUS_ENV = 'FACEMAT_CPUID_MASK';

export class IsaError extends Error {}

/** Splits `--isa NAME` (or `--isa=NAME`) off the bench's arguments. */
export function parseIsa(args: readonly string[]): { isa: Isa; rest: string[] } {
  const rest: string[] = [];
  let isa: Isa = 'native';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg !== '--isa' && !arg.startsWith('--isa=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--isa' ? args[++i] : arg.slice('--isa='.length);
    if (!(ISAS as readonly string[]).includes(value)) {
      throw new IsaError(`--isa takes one of ${ISAS.join(', ')}, not ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    }
    isa = value as Isa;
  }
  return { isa, rest };
}

/** Compiles bench/cpuid-mask.c into dist/bench/ unless the library there is newer than it. */
export function buildCpuidMask(): string {
  const source = join(packageRoot(), 'bench', 'cpuid-mask.c');
  const library = join(packageRoot(), 'dist', 'bench', 'cpuid-mask.so');
  if (existsSync(library) && statSync(library).mtimeMs >= statSync(source).mtimeMs) return library;
  mkdirSync(join(packageRoot(), 'dist', 'bench'), { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', library, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new IsaError(`cannot compile ${source} with cc (setup installs build-essential): ${stderr || (err as Error).message}`);
  }
  return library;
}

/**
 * The environment for a Node process under the mask: the library preloaded, and Node's
 * WebAssembly trap handler off (it would take the CPUID faults from the library's handler).
 */
export function maskedEnvironment(library: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const preload = [library, ...(env.LD_PRELOAD ? [env.LD_PRELOAD] : [])].join(':');
  const nodeOptions = [env.NODE_OPTIONS, '--disable-wasm-trap-handler'].filter(Boolean).join(' ');
  const next: NodeJS.ProcessEnv = { ...env, LD_PRELOAD: preload, NODE_OPTIONS: nodeOptions };
  delete next[MASK_STATUS_ENV];
  return next;
}

/** The SIMD extensions /proc/cpuinfo lists for this CPU (what the kernel sees, not CPUID's mask). */
export function cpuSimdFlags(): string[] {
  const wanted = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'amx_tile', 'cpuid_fault'];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
    const flags = new Set(line.split(':')[1]?.trim().split(/\s+/));
    return wanted.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}
