/**
 * `npm run bench`: runs every benchmark module in this folder and writes bench/results.json.
 * Each module exports `run(): Promise<Record<string, unknown>>`; its result becomes one section.
 * Absolute times on a shared 2-core machine are noisy: compare the ratios measured in one run.
 *
 *   npm run bench                 all sections
 *   npm run bench -- pipeline     only the named sections
 *   npm run bench -- soak         the 10-minute live soak (only when named)
 *   npm run bench -- inference --isa avx2
 *                                 as on a CPU without AVX-512 (bench/isa.ts)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/config/paths.js';
import { IsaError, MASK_STATUS_ENV, buildCpuidMask, cpuSimdFlags, maskedEnvironment, parseIsa } from './isa.js';

const SECTIONS = ['pipeline', 'render', 'idle', 'inference', 'compositor', 'conversions', 'control', 'obs-server', 'obs-bridge', 'soak'] as const;
/** Run only when named: `npm run bench -- soak` (10 minutes, FACEMAT_SOAK_S to change). */
const ON_REQUEST: readonly string[] = ['soak'];

async function main(): Promise<void> {
  const { isa, rest: wanted } = parseIsa(process.argv.slice(2));
  const maskStatus = process.env[MASK_STATUS_ENV];
  if (isa === 'avx2' && maskStatus === undefined) {
    // The mask must be in place before onnxruntime reads CPUID: run again under it.
    const args = [...process.execArgv, ...process.argv.slice(1)];
    const child = spawnSync(process.execPath, args, { env: maskedEnvironment(buildCpuidMask()), stdio: 'inherit' });
    process.exitCode = child.status ?? 1;
    return;
  }
  if (isa === 'avx2' && maskStatus !== 'active') {
    process.stderr.write(`bench: --isa avx2 cannot hide AVX-512 here: ${maskStatus}\n`);
    process.exitCode = 1;
    return;
  }
  const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
  if (unknown.length) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const results: Record<string, unknown> = {
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, simd: cpuSimdFlags() },
    isa: isa === 'avx2' ? 'avx2: AVX-512, AVX-VNNI and AMX hidden from CPUID (bench/cpuid-mask.c)' : 'native',
    date: new Date().toISOString(),
  };
  for (const name of SECTIONS) {
    if (wanted.length ? !wanted.includes(name) : ON_REQUEST.includes(name)) continue;
    process.stderr.write(`bench: ${name}...\n`);
    const mod = (await import(`./${name}.js`)) as { run(): Promise<Record<string, unknown>> };
    results[name] = await mod.run();
    process.stdout.write(`\n## ${name}\n${JSON.stringify(results[name], null, 1)}\n`);
  }
  const tag = [...wanted, ...(isa === 'native' ? [] : [isa])];
  const path = join(packageRoot(), 'bench', tag.length ? `results-${tag.join('-')}.json` : 'results.json');
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
  process.stderr.write(`bench: wrote ${path}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof IsaError) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
