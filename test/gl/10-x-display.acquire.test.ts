import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { XDisplay } from '../../src/pipeline/composite/display.js';

const CHILD = new URL('./child-open-compositor.ts', import.meta.url).pathname;

interface ChildReport {
  display?: string;
  xvfbPid?: number | null;
  env?: string;
  rendered?: boolean;
  error?: string;
  message?: string;
}

/** Alive and not a zombie (an orphaned Xvfb may wait to be reaped by a busy init). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function startChild(env: NodeJS.ProcessEnv): { child: ChildProcess; report: Promise<ChildReport> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(stdout.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) without a report; stderr: ${stderr}`)));
  });
  return { child, report };
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const n of names) delete env[n];
  return env;
}

describe('XDisplay.acquire', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];

  afterEach(function () {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('starts a private Xvfb when DISPLAY is unset, renders on it, and stops it when the process exits', async function () {
    const { child, report } = startChild(envWithout('DISPLAY'));
    children.push(child);
    const r = await report;
    assert.match(r.display!, /^:\d+$/);
    assert.equal(r.env, r.display, 'DISPLAY is set for the process');
    assert.ok(r.xvfbPid && alive(r.xvfbPid), 'Xvfb runs while the process does');
    assert.equal(r.rendered, true);
    const exited = once(child, 'exit');
    child.stdin!.write('exit\n');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.ok(await gone(r.xvfbPid!), `Xvfb ${r.xvfbPid} still runs after its process exited`);
  });

  it('the private Xvfb also goes when its process is killed with SIGKILL', async function () {
    const { child, report } = startChild(envWithout('DISPLAY'));
    children.push(child);
    const r = await report;
    assert.ok(r.xvfbPid && alive(r.xvfbPid));
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.ok(await gone(r.xvfbPid!), `Xvfb ${r.xvfbPid} outlived a killed process`);
  });

  it('uses $DISPLAY as it is, without starting an Xvfb', async function () {
    const mine = await XDisplay.acquire();
    const { child, report } = startChild({ ...process.env, DISPLAY: mine.name });
    children.push(child);
    const r = await report;
    assert.equal(r.display, mine.name);
    assert.equal(r.xvfbPid, null);
    assert.equal(r.rendered, true);
  });

  it('a display that does not answer is a clear error that says how to fix it', async function () {
    const { child, report } = startChild({ ...process.env, DISPLAY: ':4917' });
    children.push(child);
    const r = await report;
    assert.equal(r.error, 'GlContextError');
    assert.match(r.message!, /cannot create a WebGL context on X display :4917/);
    assert.match(r.message!, /unset DISPLAY so facemat starts its own Xvfb/);
  });

  it('without Xvfb installed, the error says what to install', async function () {
    const { child, report } = startChild({ ...envWithout('DISPLAY'), PATH: '/nonexistent' });
    children.push(child);
    const r = await report;
    assert.equal(r.error, 'DisplayError');
    assert.match(r.message!, /Xvfb is not installed/);
    assert.match(r.message!, /apt-get install xvfb xauth libgl1-mesa-dri/);
  });
});
