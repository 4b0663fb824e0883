/**
 * The one way tests wait for something to happen. A wait that does not happen fails with
 * "timed out after N s waiting for <what>" (and the last value it saw), not with mocha's bare
 * "Timeout of 30000ms exceeded". The time limits are only bounds on a failure: no test's verdict
 * depends on how long a wait took. Keep each limit below the test's mocha timeout, so the wait's
 * message is the one reported.
 */

export interface WaitOptions {
  /** Give up after this long. Default 20 s, below mocha's 30 s (.mocharc.json). */
  timeoutMs?: number;
}

export interface PollOptions extends WaitOptions {
  /** Pause between two probes. Default 5 ms. */
  everyMs?: number;
  /** What to report besides `what` when the wait times out, e.g. `() => \`${sink.frames.length} frames\``. */
  observe?: () => unknown;
  /** Treat a probe that throws as "not yet" (a server still starting) instead of failing at once. */
  retryErrors?: boolean;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/** A wait that ran out of time; its message says what was waited for. */
export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${formatSeconds(timeoutMs)} s waiting for ${what}${detail ? ` (${detail})` : ''}`);
    this.name = 'WaitTimeout';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Probes until `probe` returns something truthy, and resolves with it. A probe that throws fails
 * the wait at once, unless `retryErrors` (then the last error is reported on timeout). On timeout
 * it rejects with what was waited for and the last value seen (or what `observe` says).
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  what: string,
  options: PollOptions = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, everyMs = 5, observe, retryErrors = false } = options;
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      last = value;
      lastError = null;
    } catch (err) {
      if (!retryErrors) throw err;
      lastError = err;
    }
    if (performance.now() >= deadline) {
      let detail: string;
      if (lastError) detail = `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      else if (observe) detail = `last seen: ${describe(await observe())}`;
      else detail = `last seen: ${describe(last)}`;
      throw new WaitTimeout(what, timeoutMs, detail);
    }
    await sleep(everyMs);
  }
}

/** What waitForEvent needs: Node's EventEmitter, ws, child processes, eventemitter3 (obs-websocket-js). */
export interface Emitter {
  once(name: string, listener: (...args: any[]) => void): unknown;
  off?(name: string, listener: (...args: any[]) => void): unknown;
  removeListener?(name: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Resolves with the first argument of the next `name` event of `emitter`; rejects saying `what`
 * when none comes in time. Start it before the action that causes the event. (Should the test
 * fail before awaiting it, its later timeout is not reported as an unhandled rejection.)
 */
export function waitForEvent<T = any>(emitter: Emitter, name: string, what: string, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  return quietUntilAwaited(new Promise<T>((resolve, reject) => {
    const listener = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      (emitter.off ?? emitter.removeListener)?.call(emitter, name, listener);
      reject(new WaitTimeout(what, timeoutMs, `no '${name}' event`));
    }, timeoutMs);
    emitter.once(name, listener);
  }));
}

/** Waits for a promise made elsewhere (a `closed` promise, a response), failing with `what`. */
export function waitForPromise<T>(promise: Promise<T>, what: string, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, timeoutMs)), timeoutMs);
  });
  return quietUntilAwaited(Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}

/** Marks a rejection as handled; whoever awaits the promise still gets it. */
function quietUntilAwaited<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1)));
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? value.slice(0, 200) + '...' : value);
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 200 ? text.slice(0, 200) + '...' : text;
  } catch {
    return String(value);
  }
}
