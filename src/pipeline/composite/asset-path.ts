import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { packageRoot } from '../../config/paths.js';

/**
 * A user-given asset path (a LUT, a face-paint image): absolute, or relative to the working
 * directory, or else relative to the package, so "assets/luts/warm-film.cube" names the shipped
 * file from anywhere.
 */
export function resolveAssetPath(path: string): string {
  if (isAbsolute(path)) return path;
  const fromCwd = resolve(path);
  if (existsSync(fromCwd)) return fromCwd;
  const fromPackage = join(packageRoot(), path);
  return existsSync(fromPackage) ? fromPackage : fromCwd;
}
