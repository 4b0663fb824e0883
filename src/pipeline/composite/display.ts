import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
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
 * by a kill from the 'exit' handler, and by Xvfb itself (`-terminate`) once its last client
 * disconnects, which also covers a process killed with SIGKILL. This process holds one idle X
 * connection of its own for as long as it lives, so that a short-lived client (a child process
 * given the display, an xdpyinfo) leaving does not end the server under it.
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
    // Its own process group: a Ctrl-C in the terminal must reach us, not kill the display under
    // frames still being rendered; we stop it ourselves on the way out (and -terminate covers a
    // SIGKILL of this process).
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '64x64x24', '-nolisten', 'tcp', '-terminate'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
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
      const number = displayText.slice(0, newline).trim();
      displayPipe.destroy();
      process.once('exit', () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      });
      holdConnection(number).then(
        () => {
          settled = true;
          clearTimeout(timer);
          // Nothing to wait for from Xvfb any more: let this process exit without waiting for it.
          stderr.unref();
          child.unref();
          const display = new XDisplay(`:${number}`, child.pid ?? null);
          log.info(`started a private Xvfb on display ${display.name} (pid ${child.pid}) for headless GL`);
          resolve(display);
        },
        (err: Error) => fail(`cannot connect to the Xvfb on :${number}: ${err.message}`),
      );
    });
  });
}

/**
 * Opens an X connection to display `number` and keeps it, idle, for the life of this process
 * (the socket does not keep the event loop alive). Only the 12-byte connection setup of the X11
 * protocol is sent (little-endian, protocol 11.0, no authorisation: Xvfb started without -auth
 * accepts local clients); the server's reply is read and ignored after its first byte says
 * whether the setup succeeded.
 */
function holdConnection(number: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(`/tmp/.X11-unix/X${number}`);
    let answered = false;
    socket.once('connect', () => socket.write(Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
    socket.on('data', (reply: Buffer) => {
      if (answered) return;
      answered = true;
      if (reply[0] !== 1) {
        socket.destroy();
        reject(new Error(`the X server refused the connection (setup status ${reply[0]})`));
        return;
      }
      socket.unref();
      resolve();
    });
    socket.once('error', (err) => {
      if (!answered) reject(err);
    });
    socket.once('close', () => {
      if (answered) log.warn(`the private Xvfb on :${number} closed its connection; rendering will fail`);
    });
  });
}

const DISPLAY_FIX =
  'Fix: install Xvfb and Mesa (apt-get install xvfb xauth libgl1-mesa-dri), or set DISPLAY to a running X server ' +
  '(e.g. `Xvfb :99 & export DISPLAY=:99`), or pass the display explicitly.';
