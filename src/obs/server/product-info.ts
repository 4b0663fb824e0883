import { readFileSync } from 'node:fs';
import { arch, platform, release, type } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../config/paths.js';

/** Who answers: GetVersion and Hello name facemat-cam honestly in the fields clients show. */
export interface ProductInfo {
  name: string;
  version: string;
  /** GetVersion's `platform`: windows, macos or linux, as obs-websocket reports it. */
  platform: string;
  platformDescription: string;
}

let cached: ProductInfo | null = null;

export function productInfo(): ProductInfo {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  const os = platform() === 'win32' ? 'windows' : platform() === 'darwin' ? 'macos' : platform();
  cached = {
    name: pkg.name,
    version: pkg.version,
    platform: os,
    platformDescription: `${pkg.name} ${pkg.version} (obs-websocket 5 protocol server, not OBS Studio) on ${type()} ${release()} ${arch()}`,
  };
  return cached;
}
