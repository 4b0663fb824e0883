import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/command.js';
import { createCtlCommand } from '../../src/cli/commands/ctl.js';
import { MemoryVirtualCamera, PASSWORD, startFixture, type ControlFixture } from './5x-control-fixture.js';
import { waitForEvent } from '../helpers/wait.js';

function ctl(env: NodeJS.ProcessEnv) {
  const out = { stdout: '', stderr: '' };
  const command = createCtlCommand({
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    env,
  });
  return { out, run: (...argv: string[]) => command.run(argv) };
}

describe('facemat ctl', function () {
  let f: ControlFixture;
  let configHome: string;
  let env: NodeJS.ProcessEnv;
  const enabled = (name: string) => f.controller.chain().find((x) => x.name === name)!.enabled;

  beforeEach(async function () {
    f = await startFixture({ camera: new MemoryVirtualCamera(false, 'no v4l2loopback device') });
    configHome = mkdtempSync(join(tmpdir(), 'facemat-ctl-'));
    mkdirSync(join(configHome, 'facemat-cam'));
    writeFileSync(join(configHome, 'facemat-cam', 'control-password'), PASSWORD + '\n', { mode: 0o600 });
    env = { FACEMAT_CONTROL_URL: f.base };
  });
  afterEach(async function () {
    await f.close();
    rmSync(configHome, { recursive: true, force: true });
  });

  it('reads the password from the config dir by default and prints the state', async function () {
    const previous = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = configHome;
    try {
      const { out, run } = ctl(env);
      assert.equal(await run('state'), 0);
      assert.match(out.stdout, /^preset: Natural$/m);
      assert.match(out.stdout, /^camera: live$/m);
      assert.match(out.stdout, /virtual camera: unavailable \(no v4l2loopback device\)/);
      assert.match(out.stdout, /\[x\] beautify +strength=0\.6 radius=4/);
      assert.match(out.stdout, /\[ \] toon/);
    } finally {
      if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previous;
    }
  });

  it('toggle / enable / disable / set / preset / pause / resume / action change the pipeline', async function () {
    const { out, run } = ctl({ ...env });
    const pw = ['--password', PASSWORD];
    assert.equal(await run(...pw, 'toggle', 'toon'), 0);
    assert.equal(enabled('toon'), true);
    assert.equal(await run(...pw, 'disable', 'toon'), 0);
    assert.equal(enabled('toon'), false);
    assert.equal(await run(...pw, 'enable', 'sketch'), 0);
    assert.equal(enabled('sketch'), true);
    assert.equal(await run(...pw, 'set', 'beautify', 'strength=0.3', 'radius=2'), 0);
    assert.deepEqual(f.controller.chain().find((x) => x.name === 'beautify')!.settings, { strength: 0.3, radius: 2 });
    assert.equal(await run(...pw, 'set', 'anonymize', 'mode=blur'), 0);
    assert.equal(await run(...pw, 'preset', 'next'), 0);
    assert.equal(f.controller.state().preset, 'Cartoon');
    assert.equal(await run(...pw, 'preset', 'Privacy'), 0);
    assert.equal(await run(...pw, 'pause'), 0);
    assert.equal(f.controller.paused, true);
    assert.equal(await run(...pw, 'resume'), 0);
    assert.equal(f.controller.paused, false);
    assert.equal(await run(...pw, 'action', 'toggle:matte'), 0);
    assert.equal(enabled('matte'), true);
    assert.deepEqual(out.stdout.trim().split('\n'), [
      'toon: on',
      'toon: off',
      'sketch: on',
      'beautify: strength=0.3 radius=2',
      'anonymize: mode=blur blockSize=18',
      'preset: Cartoon',
      'preset: Privacy',
      'camera: paused',
      'camera: live',
      'done: toggle:matte (preset Privacy)',
    ]);
    assert.equal(out.stderr, '');
  });

  it('--json prints the API answer; metrics print', async function () {
    const { out, run } = ctl(env);
    assert.equal(await run('--password', PASSWORD, '--json', 'state'), 0);
    assert.equal(JSON.parse(out.stdout).preset, 'Natural');
    out.stdout = '';
    f.metrics.latency.matte.record(9);
    assert.equal(await run('--password', PASSWORD, 'metrics'), 0);
    assert.match(out.stdout, /matte +p50 9\.0 ms/);
  });

  it('exits 1 with the API message when refused, unauthorised or unreachable', async function () {
    const { out, run } = ctl(env);
    assert.equal(await run('--password', PASSWORD, 'toggle', 'glitter'), 1);
    assert.match(out.stderr, /facemat ctl: no filter "glitter"/);
    assert.equal(await run('--password', PASSWORD, 'virtualcam', 'start'), 1);
    assert.match(out.stderr, /virtual camera unavailable: no v4l2loopback device/);
    assert.equal(await run('--password', 'wrong', 'state'), 1);
    assert.match(out.stderr, /wrong password/);
    assert.equal(await run('--password', PASSWORD, '--url', 'http://127.0.0.1:9', 'state'), 1);
    assert.match(out.stderr, /cannot reach facemat-cam at http:\/\/127\.0\.0\.1:9 .*is `facemat run` running\?/);
    assert.equal(await run('--password-file', join(configHome, 'missing'), 'state'), 1);
    assert.match(out.stderr, /no control password at .*missing/);
  });

  it('bad usage throws UsageError (exit 2 through main)', async function () {
    const { run } = ctl(env);
    await assert.rejects(run(), UsageError);
    await assert.rejects(run('dance'), /unknown command "dance"/);
    await assert.rejects(run('toggle'), /toggle needs a filter name/);
    await assert.rejects(run('set', 'beautify', 'strength=lots'), /beautify\.strength needs a number/);
    await assert.rejects(run('set', 'beautify', 'strength'), /not key=value/);
    await assert.rejects(run('virtualcam', 'explode'), /start, stop or toggle/);
    await assert.rejects(run('--frobnicate', 'state'), /unknown option --frobnicate/);
    await assert.rejects(run('--url', 'ftp://x', 'state'), /invalid value "ftp:\/\/x" for --url \(accepted: http:\/\/HOST:PORT/);
  });

  it('is registered in the facemat CLI', async function () {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ctl', '--password', PASSWORD, 'toggle', 'facepaint'], {
      env: { ...process.env, FACEMAT_CONTROL_URL: f.base },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    const code = await waitForEvent(child, 'exit', '`facemat ctl toggle facepaint` to exit');
    assert.equal(code, 0);
    assert.equal(stdout, 'facepaint: on\n');
    assert.equal(enabled('facepaint'), true);
    const usage = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ctl', 'dance'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    usage.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    assert.equal(await waitForEvent(usage, 'exit', '`facemat ctl dance` to exit'), 2);
    assert.match(stderr, /facemat ctl: unknown command "dance"/);
  });
});
