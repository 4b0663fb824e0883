import type { ChildProcess } from 'node:child_process';

/** Resolves with the child's exit code once it has exited (at once if it already has). */
export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/**
 * Stops a decoding child (ffmpeg writing frames into our pipe) and waits for it. It may be
 * blocked writing into a pipe we stopped reading: our end is closed so the write fails, it is
 * asked to stop, and killed if it still has not after `graceMs`.
 */
export async function stopDecoder(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdout?.destroy();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exitCode(child);
  clearTimeout(timer);
}
