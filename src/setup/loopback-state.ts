import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MODPROBE_CONF, MODULES_LOAD_CONF, SUGGESTED_VIDEO_NR } from '../native/loopback-setup.js';

/**
 * What the system says about v4l2loopback, read from files only (no addon, no ioctl): the module
 * in /sys/module, the video nodes in /dev and /sys/class/video4linux, the modprobe.d and
 * modules-load.d configuration. Every path is under `root` ('/' normally; tests and
 * `--root` point it elsewhere).
 */

export interface LoopbackModule {
  loaded: boolean;
  /** /sys/module/v4l2loopback/version, e.g. "0.12.7". */
  version: string | null;
  /** parameters/exclusive_caps, one per device slot ("Y"/"N" -> boolean). */
  exclusiveCaps: boolean[] | null;
  /** parameters/video_nr, one per device slot (-1: the kernel picked). */
  videoNr: number[] | null;
  /** parameters/card_label: only where a module exposes it (v4l2loopback's is mode 0000, so usually null). */
  cardLabel: string[] | null;
  /** The kernel can load modules at all (/proc/modules exists). */
  modulesSupported: boolean;
}

export interface VideoNode {
  nr: number;
  path: string;
  /** /sys/class/video4linux/videoN/name: the card name (v4l2loopback's card_label). */
  name: string | null;
}

function read(root: string, path: string): string | null {
  try {
    return readFileSync(join(root, path), 'utf8').trim();
  } catch {
    return null;
  }
}

function list(value: string | null): string[] | null {
  return value === null || value === '' ? null : value.split(',');
}

export function readLoopbackModule(root: string): LoopbackModule {
  const dir = 'sys/module/v4l2loopback';
  const loaded = existsSync(join(root, dir));
  return {
    loaded,
    version: loaded ? read(root, `${dir}/version`) : null,
    exclusiveCaps: list(read(root, `${dir}/parameters/exclusive_caps`))?.map((v) => v === 'Y' || v === '1') ?? null,
    videoNr: list(read(root, `${dir}/parameters/video_nr`))?.map(Number) ?? null,
    cardLabel: list(read(root, `${dir}/parameters/card_label`)),
    modulesSupported: existsSync(join(root, 'proc/modules')),
  };
}

function numbered(dir: string): number[] {
  try {
    return readdirSync(dir)
      .map((name) => /^video(\d+)$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
  } catch {
    return [];
  }
}

/** Every /dev/videoN that exists or that sysfs knows about, in number order. */
export function videoNodes(root: string): VideoNode[] {
  const numbers = new Set([...numbered(join(root, 'dev')), ...numbered(join(root, 'sys/class/video4linux'))]);
  return [...numbers]
    .sort((a, b) => a - b)
    .map((nr) => ({ nr, path: `/dev/video${nr}`, name: read(root, `sys/class/video4linux/video${nr}/name`) }));
}

/** The first node number at or above `from` that no /dev/videoN or sysfs entry uses. */
export function freeVideoNr(root: string, from = SUGGESTED_VIDEO_NR): number {
  const used = new Set(videoNodes(root).map((n) => n.nr));
  let nr = from;
  while (used.has(nr)) nr++;
  return nr;
}

/** The node whose card name is `label`, if any. */
export function labelledNode(root: string, label: string): VideoNode | null {
  return videoNodes(root).find((n) => n.name === label) ?? null;
}

/** exclusive_caps for a node when the module's video_nr says which slot it is; null when unknown. */
export function exclusiveCapsOf(module: LoopbackModule, nr: number): boolean | null {
  const slot = module.videoNr?.indexOf(nr) ?? -1;
  if (slot < 0 || !module.exclusiveCaps) return null;
  return module.exclusiveCaps[slot] ?? null;
}

/** `v4l2loopback-ctl add` exists from v4l2loopback 0.13 on. */
export function supportsCtlAdd(version: string | null): boolean | null {
  const m = version ? /^(\d+)\.(\d+)/.exec(version) : null;
  if (!m) return null;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 0 || minor >= 13;
}

// ---- modprobe.d / modules-load.d ----

/** Where modprobe reads configuration, highest priority first; a file name in an earlier folder hides the same name later. */
const MODPROBE_DIRS = ['etc/modprobe.d', 'run/modprobe.d', 'usr/local/lib/modprobe.d', 'usr/lib/modprobe.d', 'lib/modprobe.d'];
const MODULES_LOAD_DIRS = ['etc/modules-load.d', 'run/modules-load.d', 'usr/local/lib/modules-load.d', 'usr/lib/modules-load.d', 'lib/modules-load.d'];

export interface ModprobeEntry {
  /** '/etc/modprobe.d/x.conf' (as on the real system, without the root). */
  file: string;
  kind: 'options' | 'blacklist' | 'install' | 'softdep' | 'alias';
  /** The whole logical line (continuations joined, comments dropped). */
  line: string;
  /** For options: what follows the module name. */
  options: string;
}

function confFiles(root: string, dirs: string[]): string[] {
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(join(root, dir));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (name.endsWith('.conf') && !seen.has(name)) seen.set(name, `/${dir}/${name}`);
    }
  }
  return [...seen.values()].sort((a, b) => basename(a).localeCompare(basename(b)));
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (raw.endsWith('\\')) {
      current += raw.slice(0, -1) + ' ';
      continue;
    }
    current += raw;
    const line = current.trim();
    current = '';
    if (line && !line.startsWith('#')) lines.push(line);
  }
  return lines;
}

/** Every modprobe.d line about v4l2loopback, in the order modprobe applies them (by file name). */
export function modprobeEntries(root: string): ModprobeEntry[] {
  const entries: ModprobeEntry[] = [];
  for (const file of confFiles(root, MODPROBE_DIRS)) {
    const text = read(root, file) ?? '';
    for (const line of logicalLines(text)) {
      const [kind, module, ...rest] = line.split(/\s+/);
      const name = module?.replace(/-/g, '_');
      if (name !== 'v4l2loopback') continue;
      if (kind === 'options' || kind === 'blacklist' || kind === 'install' || kind === 'softdep' || kind === 'alias') {
        entries.push({ file, kind, line, options: kind === 'options' ? rest.join(' ') : '' });
      }
    }
  }
  return entries;
}

/** modules-load.d files that load v4l2loopback at boot. */
function modulesLoadFiles(root: string): string[] {
  return confFiles(root, MODULES_LOAD_DIRS).filter((file) =>
    logicalLines(read(root, file) ?? '')
      .map((l) => l.replace(/[#;].*$/, '').trim().replace(/-/g, '_'))
      .includes('v4l2loopback'),
  );
}

/** Splits `a=1 b="x y" c=z` into pairs, as modprobe reads quoted values. */
export function parseOptions(options: string): Map<string, string> {
  const result = new Map<string, string>();
  const re = /([^\s=]+)(?:=("[^"]*"|'[^']*'|\S*))?/g;
  for (const m of options.matchAll(re)) {
    let value = m[2] ?? '';
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    result.set(m[1], value);
  }
  return result;
}

export interface PersistenceState {
  /** Our modprobe.d file's options line, or null when the file is missing. */
  ours: string | null;
  /** Our modules-load.d file exists. */
  loadsAtBoot: boolean;
  /** Other files that load v4l2loopback at boot (fine, but worth saying). */
  otherLoaders: string[];
  /** Lines in other files that fight ours: another options line, a blacklist, an install override. */
  conflicts: ModprobeEntry[];
}

export function persistenceState(root: string): PersistenceState {
  const oursFile = `/${MODPROBE_CONF}`;
  const entries = modprobeEntries(root);
  const ours = entries.find((e) => e.file === oursFile && e.kind === 'options');
  return {
    ours: ours ? ours.options : null,
    loadsAtBoot: existsSync(join(root, MODULES_LOAD_CONF)),
    otherLoaders: modulesLoadFiles(root).filter((f) => f !== `/${MODULES_LOAD_CONF}`),
    conflicts: entries.filter((e) => e.file !== oursFile && (e.kind === 'options' || e.kind === 'blacklist' || e.kind === 'install')),
  };
}

/**
 * For another program's one-device options line: the single options line that gives it its
 * device and ours next to it (modprobe concatenates every options line for a module, so two
 * lines with devices=, video_nr=, card_label= fight and the later file wins each key).
 * Null when the other line is not a one-device line we can read.
 */
export function mergedOptionsLine(other: string, ours: { videoNr: number; label: string; exclusiveCaps: boolean }): string | null {
  const theirs = parseOptions(other);
  const single = (key: string) => {
    const value = theirs.get(key);
    return value === undefined || !value.includes(',');
  };
  if ((theirs.get('devices') ?? '1') !== '1' || !single('video_nr') || !single('card_label') || !single('exclusive_caps')) return null;
  const known = new Set(['devices', 'video_nr', 'card_label', 'exclusive_caps']);
  if ([...theirs.keys()].some((k) => !known.has(k))) return null;
  const theirNr = theirs.get('video_nr') ?? '-1';
  const theirLabel = theirs.get('card_label') ?? 'Dummy video device (0x0000)';
  const theirCaps = theirs.get('exclusive_caps') ?? '0';
  return `options v4l2loopback devices=2 video_nr=${theirNr},${ours.videoNr} card_label="${theirLabel},${ours.label}" exclusive_caps=${theirCaps},${ours.exclusiveCaps ? 1 : 0}`;
}
