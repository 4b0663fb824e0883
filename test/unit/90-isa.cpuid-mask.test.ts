import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/config/paths.js';
import { IsaError, MASK_STATUS_ENV, buildCpuidMask, cpuSimdFlags, maskedEnvironment, parseIsa } from '../../bench/isa.js';

// Prints CPUID leaf 7's AVX2 and AVX-512F bits, and the status the preloaded mask left in the environment.
const PROBE = `#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  unsigned a, b, c, d;
  __cpuid_count(7, 0, a, b, c, d);
  const char *status = getenv("${MASK_STATUS_ENV}");
  printf("%u %u %s\\n", (b >> 5) & 1, (b >> 16) & 1, status ? status : "none");
  return 0;
}
`;

describe('bench isa: --isa parsing and the CPUID mask', () => {
  let dir: string;
  let probe: string;

  before(function () {
    this.timeout(60000);
    dir = mkdtempSync(join(tmpdir(), 'facemat-isa-'));
    writeFileSync(join(dir, 'probe.c'), PROBE);
    probe = join(dir, 'probe');
    execFileSync('cc', ['-O1', '-o', probe, join(dir, 'probe.c')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('splits --isa off the section names, in either spelling, and names the choices on a bad one', () => {
    assert.deepEqual(parseIsa(['inference', '--isa', 'avx2']), { isa: 'avx2', rest: ['inference'] });
    assert.deepEqual(parseIsa(['--isa=avx2', 'pipeline', 'render']), { isa: 'avx2', rest: ['pipeline', 'render'] });
    assert.deepEqual(parseIsa(['inference']), { isa: 'native', rest: ['inference'] });
    assert.throws(() => parseIsa(['--isa', 'avx512']), (err: Error) => err instanceof IsaError && /native, avx2/.test(err.message));
    assert.throws(() => parseIsa(['inference', '--isa']), /not nothing/);
  });

  it('the environment preloads the library before any other and turns off the trap handler', () => {
    const env = maskedEnvironment('/x/cpuid-mask.so', { LD_PRELOAD: '/y/other.so', NODE_OPTIONS: '--max-old-space-size=512', [MASK_STATUS_ENV]: 'active' });
    assert.equal(env.LD_PRELOAD, '/x/cpuid-mask.so:/y/other.so');
    assert.equal(env.NODE_OPTIONS, '--max-old-space-size=512 --disable-wasm-trap-handler');
    assert.equal(env[MASK_STATUS_ENV], undefined, 'a stale status from a parent must not pass for this run');
  });

  it('under the mask a process sees AVX2 and no AVX-512, where the CPU can fault CPUID; else it says why', function () {
    this.timeout(60000);
    const library = buildCpuidMask();
    const plain = execFileSync(probe, { encoding: 'utf8' }).trim().split(' ');
    const masked = execFileSync(probe, { encoding: 'utf8', env: maskedEnvironment(library) }).trim().split(' ');
    assert.equal(plain[2], 'none');
    if (cpuSimdFlags().includes('cpuid_fault')) {
      assert.equal(masked.slice(2).join(' '), 'active');
      assert.equal(masked[0], plain[0], 'AVX2 stays as the CPU has it');
      assert.equal(masked[1], '0', 'AVX-512F is hidden');
    } else {
      assert.match(masked.slice(2).join(' '), /^unsupported: .*cpuid_fault/);
      assert.deepEqual(masked.slice(0, 2), plain.slice(0, 2), 'an unarmed mask changes nothing');
    }
  });

  it('the bench re-runs itself under the mask, and its exit codes say what went wrong', function () {
    this.timeout(60000);
    const bench = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: packageRoot(), encoding: 'utf8' });
    const badIsa = bench('inference', '--isa', 'avx3');
    assert.equal(badIsa.status, 2);
    assert.match(badIsa.stderr, /--isa takes one of native, avx2, not "avx3"/);
    // an unknown section is reported by the child that runs under the mask, before any bench runs
    const masked = bench('nosuchsection', '--isa', 'avx2');
    if (cpuSimdFlags().includes('cpuid_fault')) {
      assert.equal(masked.status, 2);
      assert.match(masked.stderr, /unknown section nosuchsection/);
    } else {
      assert.equal(masked.status, 1);
      assert.match(masked.stderr, /--isa avx2 cannot hide AVX-512 here: unsupported: /);
    }
  });

  it('a Node process runs under the mask (the trap handler off) and reads its status', function () {
    this.timeout(60000);
    const out = execFileSync(process.execPath, ['-e', `process.stdout.write(String(process.env.${MASK_STATUS_ENV}))`], {
      encoding: 'utf8',
      env: maskedEnvironment(buildCpuidMask()),
    });
    assert.match(out, cpuSimdFlags().includes('cpuid_fault') ? /^active$/ : /^unsupported: /);
  });
});
