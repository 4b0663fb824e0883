import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OBSWebSocket from 'obs-websocket-js/json';
import { waitForEvent, waitForPromise, waitUntil } from '../helpers/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const PASSWORD = 'sigterm-test';

/** A port nothing listens on right now (`--control` and `preview:` want a real port). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * `facemat run` must end by itself, soon, on SIGTERM: with exit code 0 (run.ts: a clean stop),
 * its shutdown summary printed, and nothing it started left running. The verdict is the
 * mechanism (nothing keeps the process alive: it exits without a SIGKILL), not a time; the
 * measured time is printed, and docs/pipeline.md ("Shutdown") records it.
 */
describe('facemat run on SIGTERM (end to end)', function () {
  this.timeout(180_000);
  let configHome: string;
  let child: ChildProcess | null = null;
  const opened: Array<{ destroy(): void }> = [];
  before(function () {
    assert.ok(existsSync(CLI), 'build first: npm run build');
    configHome = mkdtempSync(join(tmpdir(), 'facemat-sigterm-'));
  });
  afterEach(function () {
    for (const o of opened.splice(0)) o.destroy();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = null;
  });
  after(() => rmSync(configHome, { recursive: true, force: true }));

  async function start(sink: string, controlPort: number): Promise<{ child: ChildProcess; log: () => string }> {
    const args = ['run', '--source', 'synthetic', '--size', '320x180', '--sink', sink, '--control', `127.0.0.1:${controlPort}`, '--password', PASSWORD];
    // No DISPLAY: the compositor starts its private Xvfb, which must be gone after the exit too.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: configHome };
    const c = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let log = '';
    c.stdout!.on('data', (d) => (log += d));
    c.stderr!.on('data', (d) => (log += d));
    // Running: frames come out of the pipeline (the HTTP API counts them).
    await waitUntil(
      async () => {
        if (c.exitCode !== null) throw new Error(`facemat run exited with ${c.exitCode}:\n${log}`);
        const res = await fetch(`http://127.0.0.1:${controlPort}/api/metrics`, { headers: { Authorization: `Bearer ${PASSWORD}` } });
        return res.ok && ((await res.json()) as { metrics: { frames: { output: number } } }).metrics.frames.output > 0;
      },
      'facemat run to output frames',
      { timeoutMs: 120_000, everyMs: 100, retryErrors: true, observe: () => log },
    );
    return { child: c, log: () => log };
  }

  /** SIGTERM, then the exit it causes by itself; returns the code and the measured time. */
  async function terminate(c: ChildProcess, log: () => string): Promise<{ code: number | null; signal: string | null; ms: number }> {
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
    const sent = performance.now();
    c.kill('SIGTERM');
    // Only a failure bound: no SIGKILL is ever sent, so the process must end on its own.
    const { code, signal } = await waitForPromise(exited, `facemat run to exit by itself after SIGTERM; it printed:\n${log()}`, { timeoutMs: 60_000 });
    return { code, signal, ms: performance.now() - sent };
  }

  function assertCleanExit(result: { code: number | null; signal: string | null; ms: number }, log: string, what: string) {
    console.log(`      ${what}: exited ${result.code} ${(result.ms / 1000).toFixed(2)} s after SIGTERM`);
    assert.equal(result.signal, null, log);
    assert.equal(result.code, 0, log);
    assert.match(log, /SIGTERM: stopping/);
    assert.match(log, /stopped \(stopped\) after \d+ frames/, 'the shutdown summary');
  }

  async function assertXvfbGone(log: string) {
    const pid = Number(/private Xvfb on display :\d+ \(pid (\d+)\)/.exec(log)?.[1]);
    assert.ok(pid > 0, `the log names the private Xvfb:\n${log}`);
    await waitUntil(() => !alive(pid), `the private Xvfb (pid ${pid}) to end with facemat run`);
  }

  it('with the null sink: exits 0 by itself, with its summary, leaving nothing behind', async function () {
    const run = await start('null', await freePort());
    const result = await terminate(run.child, run.log);
    assertCleanExit(result, run.log(), 'null sink');
    await assertXvfbGone(run.log());
  });

  it('with the preview sink and clients holding connections (preview viewers, obs-websocket, one that never answers the close): exits 0 by itself', async function () {
    const controlPort = await freePort();
    const previewPort = await freePort();
    const run = await start(`preview:${previewPort}`, controlPort);
    const watch = (url: string) =>
      waitForPromise(
        new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject)),
        `the response headers of ${url}`,
      );
    const viewers = [await watch(`http://127.0.0.1:${previewPort}/preview.mjpeg`), await watch(`http://127.0.0.1:${controlPort}/preview.mjpeg?key=${PASSWORD}`)];
    for (const v of viewers) {
      opened.push(v);
      v.resume();
    }
    const obs = new OBSWebSocket();
    await obs.connect(`ws://127.0.0.1:${controlPort}`, PASSWORD);
    opened.push({ destroy: () => void obs.disconnect() });
    // A WebSocket client that stops reading once upgraded: it never answers the server's close.
    const stuck: Socket = connect(controlPort, '127.0.0.1');
    opened.push(stuck);
    await waitForEvent(stuck, 'connect', 'the stuck client to connect');
    stuck.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: obswebsocket.json\r\n\r\n',
    );
    await waitForEvent(stuck, 'data', 'the stuck client\'s upgrade answer');
    stuck.pause();

    const result = await terminate(run.child, run.log);
    assertCleanExit(result, run.log(), 'preview sink with clients');
    await assertXvfbGone(run.log());
  });
});
