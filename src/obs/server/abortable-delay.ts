/**
 * Waits `ms`, or less when `signal` aborts (the session closed): a Sleep request or a
 * SerialFrame batch's frame wait must not hold a closed session's work, or its timer, open.
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
