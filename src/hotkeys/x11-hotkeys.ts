import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { logger } from '../log.js';
import type { HotkeyBinding } from './hotkey-binding.js';
import { keyInfo } from './key-names.js';
import type { HookMessage } from './x11-hook-process.js';

const log = logger('hotkeys');

/** How long the hook process may take to grab the keyboard before we give up on it. */
const START_TIMEOUT_MS = 8000;

/**
 * Global hotkeys on X11 through libuiohook (uiohook-napi), run in a child process
 * (x11-hook-process.ts) so a broken X setup can only end that child, never facemat.
 */
export class X11Hotkeys {
  private stopping = false;

  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts watching `bindings` on `display`; `onActivate` runs for each press. Rejects with the
   * reason (in one line) when the hook cannot run there.
   */
  static start(display: string, bindings: readonly HotkeyBinding[], onActivate: (binding: HotkeyBinding) => void): Promise<X11Hotkeys> {
    const chords = bindings.map((b) => ({ chord: b.chord, code: keyInfo(b.key).uiohook, ...b.modifiers }));
    const here = import.meta.url;
    const entry = fileURLToPath(new URL(here.endsWith('.ts') ? './x11-hook-process.ts' : './x11-hook-process.js', here));
    const child = fork(entry, [JSON.stringify(chords)], {
      env: { ...process.env, DISPLAY: display },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });

    return new Promise((resolve, reject) => {
      let stderr = '';
      let state: 'starting' | 'running' | 'failed' = 'starting';
      const fail = (reason: string) => {
        if (state !== 'starting') return;
        state = 'failed';
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(reason));
      };
      const timer = setTimeout(() => fail(`the X11 key hook did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      const hotkeys = new X11Hotkeys(child);
      child.stderr!.setEncoding('utf8').on('data', (text: string) => {
        stderr = (stderr + text).slice(-2000);
        // libuiohook aborts after saying so, but now and then (about 1 start in 8 here) it hangs
        // instead; the message is enough to give up at once rather than at the timeout.
        if (RECORD_MISSING.test(stderr)) fail(NO_RECORD);
      });
      child.on('message', (m: HookMessage) => {
        if (m.type === 'ready' && state === 'starting') {
          state = 'running';
          clearTimeout(timer);
          resolve(hotkeys);
        } else if (m.type === 'error') {
          fail(`the X11 key hook failed: ${m.message}`);
        } else if (m.type === 'activate') {
          const binding = bindings.find((b) => b.chord === m.chord);
          if (binding) onActivate(binding);
        }
      });
      child.on('exit', (code, signal) => {
        const why = explainExit(stderr, code, signal);
        if (state === 'starting') fail(why);
        else if (state === 'running' && !hotkeys.stopping) log.warn(`global hotkeys stopped: ${why}; use the HTTP API or \`facemat ctl\``);
      });
      child.on('error', (err) => fail(`cannot start the X11 key hook: ${err.message}`));
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.child.connected) this.child.send('stop');
      else this.child.kill('SIGKILL');
    });
  }
}

/** What Xlib and libuiohook print when the X server lacks the RECORD extension. */
const RECORD_MISSING = /RECORD/;
const NO_RECORD = 'the X server has no RECORD extension, which global key hooks need';

function explainExit(stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  if (RECORD_MISSING.test(stderr)) return NO_RECORD;
  const lastLine = stderr.trim().split('\n').pop();
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return `the X11 key hook ${how}${lastLine ? ` (${lastLine})` : ''}`;
}
