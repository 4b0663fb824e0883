import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { logger } from '../../log.js';

const log = logger('display');

/** Raised when no X display can be provided; the message says how to fix it. */
export class DisplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisplayError';
  }
}

/**
 * The X display headless-gl renders on. headless-gl (through ANGLE's EGL) opens the X display
 * named by $DISPLAY once per process and keeps that connection until exit, so the display is a
 * process-wide choice: the first compositor to open decides it, later ones share it.
 *
 * Without a display (no option, $DISPLAY unset) a private Xvfb is started on a free display
 * number (`-displayfd` lets Xvfb pick one without races). It is stopped when this process exits:
 * by a kill from the 'exit' handler, and by Xvfb itself (`-terminate`) once the last client (this
 * process) disconnects, which also covers a process killed with SIGKILL.
 */
export class XDisplay {
  private static bound: XDisplay | null = null;
  private static starting: Promise<XDisplay> | null = null;

  constructor(
    /** e.g. ":99" */
    readonly name: string,
    /** Pid of the private Xvfb this process started, or null when the display is the user's. */
    readonly xvfbPid: number | null,
  ) {}

  /** The display this process uses, started on first call. `requested` overrides $DISPLAY. */
  static acquire(requested?: string): Promise<XDisplay> {
    const bound = XDisplay.bound;
    if (bound) {
      if (requested && requested !== bound.name) {
        log.warn(`display ${requested} requested, but this process already renders on ${bound.name} (one X display per process)`);
      }
      return Promise.resolve(bound);
    }
    if (!XDisplay.starting) {
      XDisplay.starting = XDisplay.choose(requested).then(
        (display) => {
          XDisplay.bound = display;
          return display;
        },
        (err: unknown) => {
          XDisplay.starting = null;
          throw err;
        },
      );
    }
    return XDisplay.starting;
  }

  get owned(): boolean {
    return this.xvfbPid !== null;
  }

  private static async choose(requested: string | undefined): Promise<XDisplay> {
    const name = requested || process.env.DISPLAY;
    if (name) {
      process.env.DISPLAY = name;
      return new XDisplay(name, null);
    }
    const display = await startXvfb();
    process.env.DISPLAY = display.name;
    return display;
  }
}

const XVFB_START_TIMEOUT_MS = 15_000;

function startXvfb(): Promise<XDisplay> {
  return new Promise((resolve, reject) => {
    // fd 3 receives the display number once Xvfb accepts connections. The screen is tiny: the
    // GL work happens in EGL pbuffers, not on the screen.
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '64x64x24', '-nolisten', 'tcp', '-terminate'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const displayPipe = child.stdio[3] as Socket;
    const stderr = child.stderr as Socket;
    let stderrTail = '';
    let displayText = '';
    let settled = false;
    const timer = setTimeout(() => fail(`Xvfb did not report a display within ${XVFB_START_TIMEOUT_MS / 1000} s`), XVFB_START_TIMEOUT_MS);

    function fail(reason: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      const detail = stderrTail.trim() ? `\nXvfb said: ${stderrTail.trim().split('\n').slice(-5).join('\n')}` : '';
      reject(new DisplayError(`${reason}.${detail}\n${DISPLAY_FIX}`));
    }

    child.on('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? 'Xvfb is not installed' : `cannot start Xvfb: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      if (!settled) fail(`Xvfb exited before it was ready (${signal ?? 'code ' + code})`);
    });
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-2000);
    });
    displayPipe.setEncoding('utf8');
    displayPipe.on('data', (chunk: string) => {
      displayText += chunk;
      const newline = displayText.indexOf('\n');
      if (newline < 0 || settled) return;
      settled = true;
      clearTimeout(timer);
      const display = new XDisplay(`:${displayText.slice(0, newline).trim()}`, child.pid ?? null);
      // Nothing to wait for from Xvfb any more: let this process exit without waiting for it.
      displayPipe.destroy();
      stderr.unref();
      child.unref();
      process.once('exit', () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      });
      log.info(`started a private Xvfb on display ${display.name} (pid ${child.pid}) for headless GL`);
      resolve(display);
    });
  });
}

const DISPLAY_FIX =
  'Fix: install Xvfb and Mesa (apt-get install xvfb xauth libgl1-mesa-dri), or set DISPLAY to a running X server ' +
  '(e.g. `Xvfb :99 & export DISPLAY=:99`), or pass the display explicitly.';
