import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { packageRoot } from '../config/paths.js';
import type { NativeBinding } from './binding.js';
import { errorMessage } from '../util/error-message.js';

/** The command that builds the addon; every "not built" message names it. */
export const BUILD_COMMAND = 'npm run build:native';

/** Why the addon cannot be used, in one line that says what to do about it. */
export class NativeLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeLoadError';
  }
}

export interface LoadContext {
  platform: NodeJS.Platform;
  root: string;
}

const defaultContext = (): LoadContext => ({ platform: process.platform, root: packageRoot() });

/** Where node-gyp puts an addon target, e.g. native/build/Release/facemat_native.node. */
export function addonPath(name: string, root = packageRoot()): string {
  return join(root, 'native', 'build', 'Release', `${name}.node`);
}

/** Turns a dlopen failure into one actionable line. */
export function explainLoadFailure(err: unknown, path: string, root: string): string {
  const shown = relative(root, path) || path;
  const detail = (errorMessage(err)).split('\n')[0];
  if (/libturbojpeg/.test(detail)) {
    return `facemat native addon cannot load libturbojpeg (${detail}): install it (Debian/Ubuntu: sudo apt-get install libturbojpeg0-dev) and run \`${BUILD_COMMAND}\``;
  }
  if (/NODE_MODULE_VERSION|different Node\.js version|undefined symbol/.test(detail)) {
    return `facemat native addon ${shown} was built for another Node.js (${process.version} now): run \`${BUILD_COMMAND}\``;
  }
  if (/invalid ELF header|wrong ELF class|file too short|cannot open shared object file: No such file/.test(detail)) {
    return `facemat native addon ${shown} was built for another system (${detail}): run \`${BUILD_COMMAND}\``;
  }
  return `facemat native addon ${shown} failed to load (${detail}): run \`${BUILD_COMMAND}\``;
}

/**
 * Loads one addon target built from native/binding.gyp. Throws NativeLoadError, one line, for
 * every way it can fail: not Linux, not built, built for another Node or system, a missing
 * shared library.
 */
export function loadAddon<T>(name: string, context: LoadContext = defaultContext()): T {
  if (context.platform !== 'linux') {
    throw new NativeLoadError(
      `facemat native addon: webcam capture and the virtual camera use V4L2, which needs Linux (this is ${context.platform}); file and synthetic sources still work`,
    );
  }
  const path = addonPath(name, context.root);
  if (!existsSync(path)) {
    throw new NativeLoadError(
      `facemat native addon is not built (${relative(context.root, path)} is missing): run \`${BUILD_COMMAND}\` (needs build-essential, python3 and libturbojpeg0-dev)`,
    );
  }
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (err) {
    throw new NativeLoadError(explainLoadFailure(err, path, context.root));
  }
}

let cached: NativeBinding | null = null;

/** The production addon (real kernel), loaded once. */
export function loadNative(): NativeBinding {
  cached ??= loadAddon<NativeBinding>('facemat_native');
  return cached;
}

/** Whether the addon loads here, and if not why (for doctor and the virtual camera's detail). */
export function nativeStatus(): { ok: true } | { ok: false; reason: string } {
  try {
    loadNative();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}
