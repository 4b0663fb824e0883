import assert from 'node:assert/strict';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SAMPLE } from '../../src/cli/run-options.js';
import { waitForEvent, waitUntil } from '../helpers/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const W = 640;
const H = 360;

/** Decodes a video to RGB24 frames at W x H with the same letterboxing as the file source. */
function decode(path: string, frames: number): Buffer[] {
  const vf = `scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,fps=30,format=yuv420p`;
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', vf, '-frames:v', String(frames), '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], { maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `ffmpeg could not decode ${path}: ${r.stderr}`);
  const size = W * H * 3;
  const out: Buffer[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) out.push(r.stdout.subarray(o, o + size));
  return out;
}

/** Mean absolute difference of two RGB frames inside a box. */
function meanDiff(a: Buffer, b: Buffer, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) sum += Math.abs(a[o + c] - b[o + c]);
      n += 3;
    }
  }
  return sum / n;
}

function runCli(args: string[], timeoutMs = 240_000) {
  return spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, XDG_CONFIG_HOME: join(tmpdir(), 'facemat-e2e-config') } });
}

describe('facemat run (end to end)', function () {
  this.timeout(300_000);
  let dir: string;
  before(function () {
    assert.ok(existsSync(CLI), 'build first: npm run build');
    dir = mkdtempSync(join(tmpdir(), 'facemat-e2e-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sample clip -> shipped model -> toon filter -> y4m: the face changes, the background does not', function () {
    const out = join(dir, 'out.y4m');
    const metrics = join(dir, 'e2e-metrics.json');
    const r = runCli(['run', '--source', `file:${DEFAULT_SAMPLE}`, '--no-loop', '--size', `${W}x${H}`, '--frames', '24', '--filters', 'toon', '--sink', `y4m:${out}`, '--control', 'off', '--matte-lag', '0', '--metrics', metrics]);
    assert.equal(r.status, 0, r.stderr);
    const got = decode(out, 24);
    const ref = decode(DEFAULT_SAMPLE, 24);
    // A file sink loses nothing: every frame output is in the file.
    const m = JSON.parse(readFileSync(metrics, 'utf8'));
    assert.equal(m.frames.output, 24);
    assert.equal(got.length, 24, 'every frame output was written');
    assert.equal(m.dropped.sink, 0);
    // Early frames, before the hand comes in: the face sits in the middle of the picture.
    const faceDiff = meanDiff(got[3], ref[3], 250, 90, 360, 200);
    const backgroundDiff = meanDiff(got[3], ref[3], 0, 0, 90, H);
    assert.ok(faceDiff > 12, `face region changed by only ${faceDiff.toFixed(2)}`);
    assert.ok(backgroundDiff < 2, `background changed by ${backgroundDiff.toFixed(2)}`);
  });

  it('facemat --help lists every command with its summary; an unknown command exits 2', function () {
    const help = runCli(['--help'], 60_000);
    assert.equal(help.status, 0, help.stderr);
    for (const name of ['run', 'ctl', 'devices', 'doctor', 'camera', 'matte', 'render']) assert.match(help.stdout, new RegExp(`^  ${name} +[A-Z]`, 'm'));
    const bad = runCli(['fly'], 60_000);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "fly" \(commands: run, ctl, devices, doctor, camera, matte, render\)/);
  });

  it('exits 2 with one line naming a bad option and the accepted values', function () {
    const r = runCli(['run', '--provider', 'gpu']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /--provider.*auto, tensorrt, cuda, cpu/);
  });

  it('a missing video file is one error line and exit 1, with nothing left running', function () {
    const r = runCli(['run', '--source', `file:${join(dir, 'nope.mp4')}`, '--sink', 'null', '--control', 'off'], 60_000);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /error: video file not found: .*nope\.mp4/);
    assert.doesNotMatch(r.stderr, /    at /, 'no stack trace without --verbose');
  });

  it('a busy control port stops the start with a clear error before the camera opens', async function () {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = runCli(['run', '--source', 'synthetic', '--sink', 'null', '--control', `127.0.0.1:${port}`], 60_000);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`control port 127\\.0\\.0\\.1:${port} is already in use`));
      assert.doesNotMatch(r.stderr, /synthetic: \d+x\d+/, 'the source was never opened');
    } finally {
      blocker.close();
    }
  });

  it('run --frames 90 into a y4m file writes exactly 90 frames', function () {
    const out = join(dir, 'ninety.y4m');
    const r = runCli(['run', '--source', 'synthetic', '--size', '320x180', '--frames', '90', '--sink', `y4m:${out}`, '--control', 'off']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(decodeCount(out), 90);
  });

  it('writes per-stage metrics JSON', function () {
    const metrics = join(dir, 'metrics.json');
    const r = runCli(['run', '--source', 'synthetic', '--size', '320x180', '--frames', '20', '--sink', 'null', '--control', 'off', '--metrics', metrics]);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(readFileSync(metrics, 'utf8'));
    assert.equal(m.frames.output, 20);
    for (const stage of ['capture', 'matte', 'composite', 'total']) assert.ok(m.latencyMs[stage].count > 0, `${stage} measured`);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops cleanly on ${signal}, finishing the output file and leaving no process behind`, async function () {
      const out = join(dir, `${signal}.y4m`);
      const child: ChildProcess = spawn('node', [CLI, 'run', '--source', 'synthetic', '--size', '320x180', '--sink', `y4m:${out}`, '--control', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      await waitUntil(() => existsSync(out) && statSync(out).size > 320 * 180 * 3, `a first frame in ${out}`, {
        timeoutMs: 120_000,
        everyMs: 200,
        observe: () => `stderr: ${stderr}`,
      });
      const exited = waitForEvent<number | null>(child, 'exit', `facemat run to exit after ${signal}`, { timeoutMs: 60_000 });
      child.kill(signal);
      const code = await exited;
      assert.equal(code, 0, stderr);
      assert.match(stderr, new RegExp(`${signal}: stopping`));
      assert.ok(decodeCount(out) > 0, 'the y4m file is complete and decodable');
      const leftovers = spawnSync('pgrep', ['-f', out], { encoding: 'utf8' }).stdout.trim();
      assert.equal(leftovers, '', 'the ffmpeg child is gone');
    });
  }
});

function decodeCount(path: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'framemd5', '-'], { encoding: 'utf8' });
  if (r.status !== 0) return 0;
  return r.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
}
