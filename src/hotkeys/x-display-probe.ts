import { connect, type Socket } from 'node:net';

/** Where an X11 DISPLAY string says the server listens. */
function displaySockets(display: string): Array<{ path: string } | { host: string; port: number }> {
  const match = /^(.*):(\d+)(?:\.\d+)?$/.exec(display.trim());
  if (!match) throw new Error(`DISPLAY "${display}" is not of the form [host]:N[.S]`);
  const [, host, num] = match;
  const n = Number(num);
  if (host === '' || host === 'unix') {
    // Linux X servers listen on the filesystem socket and on the abstract one of the same name.
    return [{ path: `/tmp/.X11-unix/X${n}` }, { path: `\0/tmp/.X11-unix/X${n}` }];
  }
  if (host.startsWith('/')) return [{ path: `${host}:${n}` }];
  return [{ host, port: 6000 + n }];
}

function tryConnect(target: { path: string } | { host: string; port: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(target);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Checks that an X server answers at `display` before anything native opens it: libuiohook's
 * start() blocks the whole process forever when it cannot reach the display, and a stale
 * DISPLAY (closed SSH session, stopped Xvfb) is common.
 */
export async function probeXDisplay(display: string | undefined, timeoutMs = 1500): Promise<{ ok: boolean; detail: string }> {
  if (!display) return { ok: false, detail: 'DISPLAY is not set (no X11 session)' };
  let targets;
  try {
    targets = displaySockets(display);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  for (const target of targets) {
    if (await tryConnect(target, timeoutMs)) return { ok: true, detail: `X display ${display}` };
  }
  return { ok: false, detail: `no X server answers on DISPLAY=${display}` };
}
