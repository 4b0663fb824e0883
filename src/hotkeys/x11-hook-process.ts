/**
 * Child process that runs libuiohook (uiohook-napi) for X11 global hotkeys. It lives in its own
 * process because libuiohook aborts the whole process when the X server lacks the RECORD
 * extension and blocks forever when the display is unreachable; here that only ends this child.
 * It receives the chords to watch as JSON in argv[2] and reports only those key presses, so no
 * other keystroke ever leaves it.
 */
import { uIOhook, type UiohookKeyboardEvent } from 'uiohook-napi';
import { errorMessage } from '../util/error-message.js';

interface WatchedChord {
  chord: string;
  code: number;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

export type HookMessage = { type: 'ready' } | { type: 'activate'; chord: string } | { type: 'error'; message: string };

function send(message: HookMessage): void {
  process.send?.(message);
}

function main(): void {
  const chords = JSON.parse(process.argv[2] ?? '[]') as WatchedChord[];
  const held = new Set<number>();
  uIOhook.on('keydown', (e: UiohookKeyboardEvent) => {
    // Holding a key auto-repeats keydown; one press is one activation.
    if (held.has(e.keycode)) return;
    held.add(e.keycode);
    const hit = chords.find(
      (c) => c.code === e.keycode && c.ctrl === e.ctrlKey && c.alt === e.altKey && c.shift === e.shiftKey && c.meta === e.metaKey,
    );
    if (hit) send({ type: 'activate', chord: hit.chord });
  });
  uIOhook.on('keyup', (e: UiohookKeyboardEvent) => held.delete(e.keycode));
  const stop = () => {
    uIOhook.stop();
    process.exit(0);
  };
  // Only the parent ends this process: by a 'stop' message, or by going away (the IPC channel
  // closes). Ctrl+C in a terminal or a service manager's SIGTERM reach the whole process group;
  // the parent handles those and stops us in order, so we ignore them here.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', stop);
  process.on('message', (m: unknown) => {
    if (m === 'stop') stop();
  });
  try {
    uIOhook.start();
  } catch (err) {
    send({ type: 'error', message: errorMessage(err) });
    process.exit(1);
  }
  send({ type: 'ready' });
}

main();
