import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The systemd user unit `facemat camera install-service` writes. */
export const SERVICE_NAME = 'facemat-cam.service';

/** What the service runs when no arguments are given after `--`: the webcam into the virtual camera. */
export const DEFAULT_SERVICE_ARGS = ['--source', 'v4l2:auto', '--sink', 'v4l2:auto'];

/** $XDG_CONFIG_HOME/systemd/user, where systemd looks for a user's own units. */
function userUnitDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'systemd', 'user');
}

export function unitPath(env: NodeJS.ProcessEnv): string {
  return join(userUnitDir(env), SERVICE_NAME);
}

/** The link `systemctl --user enable` makes for WantedBy=default.target. */
export function wantsLinkPath(env: NodeJS.ProcessEnv): string {
  return join(userUnitDir(env), 'default.target.wants', SERVICE_NAME);
}

/** One ExecStart word: quoted when it has spaces; % and $ escaped so systemd leaves them alone. */
function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[\w@+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface UnitSpec {
  /** Absolute path of node. */
  node: string;
  /** Absolute path of this facemat's dist/src/cli/main.js. */
  main: string;
  /** Arguments after `run`. */
  runArgs: string[];
  /** The package root (WorkingDirectory, docs link). */
  packageRoot: string;
}

export function unitText(spec: UnitSpec): string {
  const exec = [spec.node, spec.main, 'run', ...spec.runArgs].map(systemdQuote).join(' ');
  return [
    '# Written by `facemat camera install-service` (facemat-cam); `facemat camera uninstall-service` removes it.',
    '[Unit]',
    'Description=FaceMat Camera (facemat-cam face-filter virtual camera)',
    `Documentation=file://${join(spec.packageRoot, 'docs', 'virtual-camera-setup.md')}`,
    'After=graphical-session.target',
    '# at most 5 failed starts in 2 minutes, then it stays stopped (see: systemctl --user status facemat-cam)',
    'StartLimitIntervalSec=120',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${systemdQuote(spec.packageRoot)}`,
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=5',
    '# exit status 2 is a bad option or config key: restarting cannot fix that',
    'RestartPreventExitStatus=2',
    '# facemat finishes cleanly on the first SIGTERM',
    'TimeoutStopSec=15',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export interface ServiceState {
  installed: boolean;
  /** Ours (has our header line), as opposed to a unit of the same name someone else wrote. */
  ours: boolean;
  /** The default.target.wants link exists (what `enable` makes). */
  enabled: boolean;
  /** ExecStart, for status. */
  execStart: string | null;
}

export function serviceState(env: NodeJS.ProcessEnv): ServiceState {
  const path = unitPath(env);
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // not installed
  }
  let enabled = false;
  try {
    lstatSync(wantsLinkPath(env));
    enabled = true;
  } catch {
    enabled = false;
  }
  return {
    installed: text !== null || existsSync(path),
    ours: text?.includes('facemat camera install-service') ?? false,
    enabled,
    execStart: text ? (/^ExecStart=(.*)$/m.exec(text)?.[1] ?? null) : null,
  };
}
