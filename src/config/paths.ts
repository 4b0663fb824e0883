import { homedir } from 'node:os';
import { join } from 'node:path';

/** $XDG_CONFIG_HOME/facemat-cam (config.json, control password), as OBS keeps its own. */
export function configDir(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'facemat-cam');
}

/** $XDG_CACHE_HOME/facemat-cam (TensorRT engine cache and other rebuildable files). */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'facemat-cam');
}

/** The repository (or installed package) root, where models/, shaders/ and assets/ live. */
export function packageRoot(): string {
  // This file is src/config/paths.ts, or dist/src/config/paths.js once built.
  const here = new URL('.', import.meta.url).pathname;
  return here.includes('/dist/src/') ? join(here, '..', '..', '..') : join(here, '..', '..');
}
