import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir } from './paths.js';

export interface ControlPassword {
  password: string;
  /** File it was read from or written to. */
  path: string;
  /** True when this run generated it. */
  created: boolean;
}

/**
 * The control password: generated on first run (like OBS's websocket password) into the config
 * dir with mode 0600, then reused, so a stream deck configured once keeps working.
 */
export function loadOrCreatePassword(dir = configDir()): ControlPassword {
  const path = join(dir, 'control-password');
  if (existsSync(path)) {
    const password = readFileSync(path, 'utf8').trim();
    if (password.length > 0) return { password, path, created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString('base64url');
  writeFileSync(path, password + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { password, path, created: true };
}

/** Constant-time string comparison (hashes first so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
