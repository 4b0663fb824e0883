import type { Logger } from '../../src/log.js';

/** A Logger that keeps "level message" lines for assertions. */
export function recordingLogger(lines: string[]): Logger {
  return {
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}
