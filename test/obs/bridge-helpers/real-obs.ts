import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OBSWebSocket from 'obs-websocket-js/json';
import { PNG } from 'pngjs';
import { waitUntil } from '../../helpers/wait.js';

/** Generous: the test machines are slow and shared; OBS usually opens its port in ~1.5 s. */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A private X server for OBS (which needs GLX): `Xvfb -displayfd` picks a free display. */
export class Xvfb {
  private constructor(
    private readonly child: ChildProcess,
    readonly display: string,
  ) {}

  static async start(): Promise<Xvfb> {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const display = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('Xvfb did not report a display')), START_TIMEOUT_MS);
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(`:${text.trim()}`);
        }
      });
      child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    });
    return new Xvfb(child, display);
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

export interface RealObsOptions {
  display: string;
  port: number;
  password: string;
}

/**
 * A real OBS Studio (Debian's obs-studio) under Xvfb with its own HOME, so it never touches the
 * user's OBS config. The websocket settings go into global.ini; the HOME survives restarts
 * (OBS reloads the scene collection it saved), and remove() deletes it.
 */
export class RealObs {
  readonly home: string;
  private child: ChildProcess | null = null;
  /** Everything OBS printed (its log), across restarts. */
  log = '';

  constructor(private readonly options: RealObsOptions) {
    this.home = mkdtempSync(join(tmpdir(), 'facemat-obs-home-'));
    const configDir = join(this.home, '.config', 'obs-studio');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'global.ini'),
      [
        '[General]',
        'FirstRun=true',
        '',
        '[OBSWebSocket]',
        'FirstLoad=false',
        'ServerEnabled=true',
        `ServerPort=${options.port}`,
        'AuthRequired=true',
        `ServerPassword=${options.password}`,
        'AlertsEnabled=false',
        '',
      ].join('\n'),
    );
  }

  get url(): string {
    return `ws://127.0.0.1:${this.options.port}`;
  }

  /** OBS's process id while it runs. */
  get pid(): number | null {
    return this.running ? (this.child!.pid ?? null) : null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts OBS and resolves once its WebSocket port accepts connections. */
  async start(): Promise<void> {
    if (this.running) throw new Error('OBS is already running');
    const child = spawn('obs', ['--multi', '--minimize-to-tray', '--disable-missing-files-check'], {
      env: { ...process.env, HOME: this.home, DISPLAY: this.options.display, XDG_CONFIG_HOME: join(this.home, '.config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const append = (chunk: Buffer) => {
      this.log += chunk.toString();
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    await waitUntil(
      async () => {
        if (!this.running) throw new Error(`OBS exited early:\n${this.log.slice(-2000)}`);
        return portOpen(this.options.port);
      },
      `OBS to open port ${this.options.port}`,
      { timeoutMs: START_TIMEOUT_MS, everyMs: 100 },
    );
  }

  /** SIGTERM quits OBS the normal way (it saves its scene collection); SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await stopChild(child, signal);
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.home, { recursive: true, force: true });
  }

  /** How many WebSocket clients OBS saw connect (from its log). */
  clientConnections(): number {
    return (this.log.match(/New WebSocket client has connected/g) ?? []).length;
  }

  /** A plain obs-websocket client for the test's own look at OBS. */
  async client(): Promise<OBSWebSocket> {
    const obs = new OBSWebSocket();
    await obs.connect(this.url, this.options.password);
    return obs;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface Screenshot {
  width: number;
  height: number;
  /** RGBA at (x, y). */
  pixel(x: number, y: number): [number, number, number, number];
}

/** GetSourceScreenshot as decoded pixels (PNG: lossless, so pixels can be compared). */
export async function screenshot(obs: OBSWebSocket, sourceName: string, width: number, height: number): Promise<Screenshot> {
  const { imageData } = await obs.call('GetSourceScreenshot', { sourceName, imageFormat: 'png', imageWidth: width, imageHeight: height });
  const png = PNG.sync.read(Buffer.from(imageData.slice(imageData.indexOf(',') + 1), 'base64'));
  return {
    width: png.width,
    height: png.height,
    pixel: (x, y) => {
      const o = (y * png.width + x) * 4;
      return [png.data[o], png.data[o + 1], png.data[o + 2], png.data[o + 3]];
    },
  };
}
