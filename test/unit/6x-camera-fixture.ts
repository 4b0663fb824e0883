import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCameraCommand, type CameraContext } from '../../src/cli/commands/camera.js';

/**
 * A temporary system for `facemat camera`: a root with dev/, sys/, proc/ and etc/ as real files,
 * a config home, and a bin/ on PATH with stand-ins for the system programs (modprobe, pkexec,
 * sudo, v4l2loopback-ctl, systemctl). Each stand-in appends its argv to `log`, one line per call,
 * each argument in [brackets]; the fake modprobe and v4l2loopback-ctl make the sysfs and /dev
 * entries the kernel would.
 */
export interface CameraFixture {
  dir: string;
  root: string;
  bin: string;
  configHome: string;
  main: string;
  env: NodeJS.ProcessEnv;
  calls(): string[];
  /** Runs `facemat camera ...`; uid 0 unless given. */
  run(argv: string[], options?: { uid?: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A /dev/videoN with its sysfs name, as a driver would make it. */
  addNode(nr: number, name: string): void;
  /** v4l2loopback as loaded by someone else. */
  loadModule(params: { version?: string; exclusiveCaps: string; videoNr: string }): void;
  write(path: string, text: string): void;
  read(path: string): string;
  close(): void;
}

const LOG = `log() { n=$(basename "$0"); for a in "$@"; do n="$n [$a]"; done; echo "$n" >> "$FAKE_LOG"; }`;

const MAKE_NODE = `make_node() {
  m="$FAKE_ROOT/sys/module/v4l2loopback"
  mkdir -p "$m/parameters" "$FAKE_ROOT/sys/class/video4linux/video$1" "$FAKE_ROOT/dev"
  [ -f "$m/version" ] || echo "\${FAKE_VERSION:-0.12.7}" > "$m/version"
  if [ "$3" = 1 ]; then c=Y; else c=N; fi
  echo "$c,N,N,N,N,N,N,N" > "$m/parameters/exclusive_caps"
  echo "$1,-1,-1,-1,-1,-1,-1,-1" > "$m/parameters/video_nr"
  printf '%s\\n' "$2" > "$FAKE_ROOT/sys/class/video4linux/video$1/name"
  : > "$FAKE_ROOT/dev/video$1"
}`;

const TOOLS: Record<string, string> = {
  modprobe: `${MAKE_NODE}
log "$@"
if [ -n "$FAKE_MODPROBE_ERROR" ]; then echo "$FAKE_MODPROBE_ERROR" >&2; exit 1; fi
for a in "$@"; do case "$a" in video_nr=*) nr=\${a#video_nr=};; card_label=*) label=\${a#card_label=};; exclusive_caps=*) caps=\${a#exclusive_caps=};; esac; done
[ -n "$FAKE_NO_NODE" ] || make_node "$nr" "$label" "$caps"`,
  'v4l2loopback-ctl': `${MAKE_NODE}
log "$@"
for a in "$@"; do case "$a" in --name=*) label=\${a#--name=};; --exclusive-caps=*) caps=\${a#--exclusive-caps=};; /dev/video*) nr=\${a#/dev/video};; esac; done
make_node "$nr" "$label" "$caps"
echo "/dev/video$nr"`,
  pkexec: `log "$@"
[ -z "$FAKE_ELEVATE_REFUSED" ] || { echo "Error executing command as another user: Not authorized" >&2; exit 127; }
exec "$@"`,
  sudo: `log "$@"
exec "$@"`,
  systemctl: `log "$@"
if [ "$2" = show-environment ] && [ -n "$FAKE_NO_USER_SYSTEMD" ]; then echo "Failed to connect to bus: No medium found" >&2; exit 1; fi
exit 0`,
};

export function cameraFixture(options: { tools?: string[] } = {}): CameraFixture {
  const dir = mkdtempSync(join(tmpdir(), 'facemat-camera-'));
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const configHome = join(dir, 'config');
  const logPath = join(dir, 'calls.log');
  for (const d of [root, bin, configHome, join(root, 'proc'), join(root, 'dev')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'proc/modules'), '');
  writeFileSync(logPath, '');
  const main = join(dir, 'dist/src/cli/main.js');
  mkdirSync(join(dir, 'dist/src/cli'), { recursive: true });
  writeFileSync(main, '// the built CLI\n');
  const wanted = options.tools ?? Object.keys(TOOLS);
  for (const name of wanted) {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\nPATH="$PATH:/usr/bin:/bin"\n${LOG}\n${TOOLS[name]}\n`);
    chmodSync(path, 0o755);
  }
  // the real install, rm and sh (coreutils/dash) for the elevated file writes
  for (const name of ['install', 'rm', 'sh']) {
    const path = join(bin, name);
    if (!wanted.includes(name)) {
      writeFileSync(path, `#!/bin/sh\n${LOG}\nlog "$@"\nexec /usr/bin/env PATH=/usr/bin:/bin ${name} "$@"\n`);
      chmodSync(path, 0o755);
    }
  }
  const env: NodeJS.ProcessEnv = {
    PATH: bin,
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: configHome,
    FACEMAT_ROOT: root,
    FAKE_ROOT: root,
    FAKE_LOG: logPath,
  };
  return {
    dir,
    root,
    bin,
    configHome,
    main,
    env,
    calls: () => readFileSync(logPath, 'utf8').split('\n').filter(Boolean),
    async run(argv, opts = {}) {
      let stdout = '';
      let stderr = '';
      const ctx: CameraContext = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: { ...env, ...opts.env },
        uid: opts.uid ?? 0,
        mainScript: main,
        node: '/usr/bin/node',
        settleMs: 300,
      };
      const code = await createCameraCommand(ctx).run(argv);
      return { code, stdout, stderr };
    },
    addNode(nr, name) {
      mkdirSync(join(root, 'sys/class/video4linux', `video${nr}`), { recursive: true });
      writeFileSync(join(root, 'sys/class/video4linux', `video${nr}`, 'name'), name + '\n');
      writeFileSync(join(root, 'dev', `video${nr}`), '');
    },
    loadModule(params) {
      const m = join(root, 'sys/module/v4l2loopback');
      mkdirSync(join(m, 'parameters'), { recursive: true });
      writeFileSync(join(m, 'version'), (params.version ?? '0.12.7') + '\n');
      writeFileSync(join(m, 'parameters/exclusive_caps'), params.exclusiveCaps + '\n');
      writeFileSync(join(m, 'parameters/video_nr'), params.videoNr + '\n');
    },
    write(path, text) {
      const target = join(root, path);
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, text);
    },
    read: (path) => readFileSync(join(root, path), 'utf8'),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
