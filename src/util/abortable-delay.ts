/**
 * Waits `ms`, or less when `signal` aborts: a stopping scheduler's poll, an obs-websocket Sleep
 * request or a SerialFrame batch's frame wait must not hold closed work, or its timer, open.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
