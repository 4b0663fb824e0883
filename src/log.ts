/**
 * One logger for the whole process: lines go to stderr (stdout is kept for command output such
 * as `facemat devices`), prefixed with the component, filtered by level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: LogLevel = (process.env.FACEMAT_LOG as LogLevel) in ORDER ? (process.env.FACEMAT_LOG as LogLevel) : 'info';
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** Redirects every log line (tests capture them). Returns the previous writer. */
export function setLogSink(writer: (line: string) => void): (line: string) => void {
  const previous = sink;
  sink = writer;
  return previous;
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function logger(component: string): Logger {
  const write = (level: LogLevel, msg: string) => {
    if (ORDER[level] < ORDER[threshold]) return;
    sink(`[facemat:${component}] ${level === 'info' ? '' : level + ': '}${msg}`);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
