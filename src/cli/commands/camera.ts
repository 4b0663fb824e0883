import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../config/paths.js';
import { resolveRunOptions } from '../run-options.js';
import { FACEMAT_CARD_LABEL } from '../../native/device-selection.js';
import {
  DEFAULT_LOOPBACK_OPTIONS,
  MODPROBE_CONF,
  MODULES_LOAD_CONF,
  checkLabel,
  checkVideoNr,
  ctlAddArgs,
  loopbackOptionString,
  modprobeArgs,
  modprobeConfText,
  modulesLoadText,
  type LoopbackOptions,
} from '../../native/loopback-setup.js';
import {
  exclusiveCapsOf,
  freeVideoNr,
  labelledNode,
  mergedOptionsLine,
  parseOptions,
  persistenceState,
  readLoopbackModule,
  supportsCtlAdd,
  videoNodes,
  type VideoNode,
} from '../../setup/loopback-state.js';
import { commandLine, elevation, lastLine, runProgram, which, type ElevateMode, type RunResult } from '../../setup/system.js';
import { DEFAULT_SERVICE_ARGS, SERVICE_NAME, serviceState, unitPath, unitText, wantsLinkPath } from '../../setup/user-service.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { accept, commandSpec, flag, reject, value, type CommandSpec, type OptionValues } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';

/** A program it ran failed (modprobe, systemctl, pkexec refused), or a file could not be written. */
export const EXIT_FAILED = 1;
/** It cannot go on without a step from you, which the message names (module not installed, already loaded without our device, a conflicting modprobe.d line, not built...). */
export const EXIT_BLOCKED = 3;

const SUMMARY = 'Set up the virtual camera: load v4l2loopback, keep it after reboots, start at login';

/** Options more than one sub-command takes. */
const videoNr = value({
  arg: 'N',
  accepts: 'an integer from 0 to 255',
  parse: (raw) => (/^\d+$/.test(raw) && checkVideoNr(Number(raw)) === null ? Number(raw) : reject()),
  defaultText: 'the first free one from 10',
  help: 'the node number (`/dev/videoN`)',
});
const label = value({
  arg: 'L',
  accepts: '1 to 31 characters, without commas, quotes, backslashes or control characters',
  parse: (raw) => (checkLabel(raw) === null ? raw : reject()),
  defaultText: `\`${FACEMAT_CARD_LABEL}\``,
  help: 'the card name apps show',
});
const exclusiveCaps = value({
  arg: '0|1',
  accepts: '0 or 1',
  parse: (raw) => (raw === '1' ? true : raw === '0' ? false : reject()),
  defaultText: '1',
  help: '1 is what Chrome/WebRTC and Zoom need; 0 for the snap Zoom',
});
const elevate = value({
  arg: 'pkexec|sudo',
  accepts: 'pkexec or sudo',
  parse: accept.oneOf(['pkexec', 'sudo'] as const),
  defaultText: 'pkexec on a desktop, else sudo',
  help: 'how to become root when not root',
});
const dryRun = (help: string) => flag({ help });
const root = (help: string) => value({ arg: 'DIR', defaultText: '`$FACEMAT_ROOT`, else `/`', help });

const LOAD_SPEC = commandSpec({
  name: 'camera load',
  summary: `load v4l2loopback with a "${FACEMAT_CARD_LABEL}" device now`,
  usage: '[options]',
  about: `Loads v4l2loopback with one device for facemat:
  modprobe v4l2loopback ${loopbackOptionString()}
as root directly, else through pkexec (in a desktop session) or sudo. Without --video-nr it takes
the first free /dev/videoN from 10 up. Nothing to do when a "${FACEMAT_CARD_LABEL}" node exists.

modprobe cannot add a device to a module that is already loaded (by OBS, say): then it stops and
says so, unless --add is given, which adds the device with v4l2loopback-ctl (v4l2loopback 0.13+).`,
  options: {
    'video-nr': videoNr,
    label,
    'exclusive-caps': exclusiveCaps,
    add: flag({ help: 'the module is loaded already: add a device with `v4l2loopback-ctl` (v4l2loopback 0.13+)' }),
    elevate,
    'dry-run': dryRun('print the commands instead of running them'),
    root: root('read `/dev`, `/sys` and `/proc` under DIR (tests)'),
  },
});

const PERSIST_SPEC = commandSpec({
  name: 'camera persist',
  summary: `load it at every boot (/${MODPROBE_CONF}, /${MODULES_LOAD_CONF})`,
  usage: '[options]',
  about: `Writes /${MODPROBE_CONF}:
  options v4l2loopback ${loopbackOptionString()}
and /${MODULES_LOAD_CONF} (v4l2loopback), so the camera is there after every boot. The node
number is the loaded "${FACEMAT_CARD_LABEL}" node's, else the one already persisted, else the
first free one from 10. Files are written as root (pkexec or sudo when you are not, also under --root).

Another modprobe.d line for v4l2loopback (OBS guides add one) would be merged with ours by
modprobe, the later file winning each option: it stops, names the file and prints one line that
gives both programs a device. --force writes ours anyway.`,
  options: {
    'video-nr': videoNr,
    label,
    'exclusive-caps': exclusiveCaps,
    force: flag({ help: 'write even when another file configures v4l2loopback' }),
    elevate,
    root: root('write under DIR instead of `/` (an image, a test)'),
    'dry-run': dryRun('print the files instead of writing them'),
  },
});

const UNPERSIST_SPEC = commandSpec({
  name: 'camera unpersist',
  summary: 'remove those two files',
  usage: '[options]',
  about: `Removes /${MODPROBE_CONF} and /${MODULES_LOAD_CONF} (only those; another program's
v4l2loopback configuration stays). The loaded module stays until reboot.`,
  options: {
    root: root('remove under DIR instead of `/`'),
    elevate,
    'dry-run': dryRun('print what it would remove'),
  },
});

const INSTALL_SERVICE_SPEC = commandSpec({
  name: 'camera install-service',
  summary: `run \`facemat run\` at login (systemd user service ${SERVICE_NAME})`,
  usage: '[options] [-- RUN-OPTIONS...]',
  about: `Writes the systemd user service ~/.config/systemd/user/${SERVICE_NAME} ($XDG_CONFIG_HOME respected)
that runs this facemat at login:
  <node> <this facemat>/dist/src/cli/main.js run ${DEFAULT_SERVICE_ARGS.join(' ')}
(or the \`facemat run\` options after --), restarting it when it fails, and enables and starts it
with \`systemctl --user enable --now\`. When no user systemd is reachable (no session bus: ssh,
a container) it enables it by the link systemctl would make, so it starts at the next login.`,
  options: {
    'no-enable': flag({ help: 'only write the file' }),
    'no-start': flag({ help: 'enable, but do not start it now' }),
    'dry-run': dryRun('print the file and the commands instead'),
  },
  operands: 'after-terminator',
});

const UNINSTALL_SERVICE_SPEC = commandSpec({
  name: 'camera uninstall-service',
  summary: 'stop, disable and remove that service',
  usage: '[--dry-run]',
  about: `Stops and disables ${SERVICE_NAME} (systemctl --user disable --now) and removes its file.`,
  options: {
    'dry-run': dryRun('print the commands instead'),
  },
});

const STATUS_SPEC = commandSpec({
  name: 'camera status',
  summary: 'what is set up',
  usage: '[--root DIR]',
  about: `Prints the module, the "${FACEMAT_CARD_LABEL}" node, the persistence files and the service.
Exit status 0 when a "${FACEMAT_CARD_LABEL}" node exists, 3 when not.`,
  options: {
    root: root('read under DIR instead of `/`'),
  },
});

/** The sub-commands, by the word after `facemat camera`. */
const SUB_COMMANDS = {
  load: LOAD_SPEC,
  persist: PERSIST_SPEC,
  unpersist: UNPERSIST_SPEC,
  'install-service': INSTALL_SERVICE_SPEC,
  'uninstall-service': UNINSTALL_SERVICE_SPEC,
  status: STATUS_SPEC,
} as const;
type SubCommand = keyof typeof SUB_COMMANDS;

const EXIT_STATUS = `Exit status: 0 done (or nothing to do), 1 a program it ran failed, 2 bad usage,
3 it needs a step from you first (the message names it).`;

const HELP = [
  'usage: facemat camera <command> [options]',
  '',
  `Sets up the "${FACEMAT_CARD_LABEL}" virtual camera (a v4l2loopback device) and the login service.`,
  '',
  'commands:',
  ...Object.entries(SUB_COMMANDS).map(([name, spec]) => `  ${name.padEnd(18)} ${spec.summary}`),
  '',
  'Run `facemat camera <command> --help` for its options.',
  '',
  EXIT_STATUS,
].join('\n');

export interface CameraContext {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** PATH (programs), HOME / XDG_CONFIG_HOME (the service), DISPLAY (pkexec or sudo), FACEMAT_ROOT. */
  env: NodeJS.ProcessEnv;
  uid: number;
  /** This facemat's built CLI, what the service runs. */
  mainScript: string;
  /** node itself. */
  node: string;
  /** How long to wait for the new node to appear after modprobe (ms). */
  settleMs: number;
}

function defaultCameraContext(): CameraContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    uid: process.getuid?.() ?? 0,
    mainScript: join(packageRoot(), 'dist', 'src', 'cli', 'main.js'),
    node: process.execPath,
    settleMs: 5000,
  };
}

interface Options {
  dryRun: boolean;
  root: string;
  videoNr?: number;
  label: string;
  exclusiveCaps: boolean;
  add: boolean;
  force: boolean;
  elevate: ElevateMode;
  enable: boolean;
  start: boolean;
  runArgs: string[] | null;
}

/** Any sub-command's parsed options: each gives only its own, the rest take their defaults here. */
type CameraValues = OptionValues<typeof LOAD_SPEC.options> &
  OptionValues<typeof PERSIST_SPEC.options> &
  OptionValues<typeof INSTALL_SERVICE_SPEC.options>;

function cameraOptions(values: CameraValues, runArgs: string[] | null, env: NodeJS.ProcessEnv): Options {
  return {
    dryRun: values['dry-run'] ?? false,
    root: values.root ?? (env.FACEMAT_ROOT || '/'),
    videoNr: values['video-nr'],
    label: values.label ?? DEFAULT_LOOPBACK_OPTIONS.label,
    exclusiveCaps: values['exclusive-caps'] ?? DEFAULT_LOOPBACK_OPTIONS.exclusiveCaps,
    add: values.add ?? false,
    force: values.force ?? false,
    elevate: values.elevate ?? 'auto',
    enable: !values['no-enable'],
    start: !values['no-start'],
    runArgs,
  };
}

/** Thrown inside a sub-command: printed as `facemat camera SUB: message` (plus detail lines), exit `code`. */
class Stop extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

function describeNodes(nodes: VideoNode[]): string {
  return nodes.length === 0 ? 'none' : nodes.map((n) => `${n.path}${n.name ? ` "${n.name}"` : ''}`).join(', ');
}

class CameraSetup {
  constructor(
    private readonly ctx: CameraContext,
    private readonly o: Options,
  ) {}

  private say(line: string): void {
    this.ctx.stdout.write(line + '\n');
  }

  private loopbackOptions(videoNr: number): LoopbackOptions {
    return { videoNr, label: this.o.label, exclusiveCaps: this.o.exclusiveCaps };
  }

  private rootPrefix(): string[] {
    const e = elevation(this.ctx.uid, this.ctx.env, this.o.elevate);
    if (e.prefix === null) throw new Stop(EXIT_BLOCKED, `this needs root, and ${e.reason}`);
    return e.prefix;
  }

  private tool(name: string, install: string): string {
    const path = which(name, this.ctx.env);
    if (!path) throw new Stop(EXIT_BLOCKED, `${name} is not installed (${install})`);
    return path;
  }

  /** Runs argv (already elevated as needed), or prints it under --dry-run. */
  private async exec(argv: string[]): Promise<RunResult> {
    if (this.o.dryRun) {
      this.say(`would run: ${commandLine(argv)}`);
      return { code: 0, stdout: '', stderr: '' };
    }
    this.say(`running: ${commandLine(argv)}`);
    return runProgram(argv, this.ctx.env);
  }

  private async waitForNode(label: string): Promise<VideoNode | null> {
    const deadline = Date.now() + this.ctx.settleMs;
    for (;;) {
      const node = labelledNode(this.o.root, label);
      // the sysfs entry comes first; udev (or devtmpfs) makes /dev/videoN a moment later
      if (node && existsSync(join(this.o.root, 'dev', `video${node.nr}`))) return node;
      if (Date.now() >= deadline) return node;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async load(): Promise<number> {
    const { root, label } = this.o;
    const module = readLoopbackModule(root);
    const existing = labelledNode(root, label);
    if (module.loaded && existing) {
      const caps = exclusiveCapsOf(module, existing.nr);
      this.say(`"${label}" is already there: ${existing.path}${caps === null ? '' : ` (exclusive_caps=${caps ? 1 : 0})`}; nothing to do`);
      if (caps !== null && caps !== this.o.exclusiveCaps) {
        this.ctx.stderr.write(
          `facemat camera load: warning: ${existing.path} has exclusive_caps=${caps ? 1 : 0}, not ${this.o.exclusiveCaps ? 1 : 0}; reload to change it: sudo modprobe -r v4l2loopback && facemat camera load --exclusive-caps ${this.o.exclusiveCaps ? 1 : 0}\n`,
        );
      }
      return 0;
    }
    if (!module.loaded && !module.modulesSupported) {
      throw new Stop(EXIT_BLOCKED, 'this kernel cannot load modules (no /proc/modules): the virtual camera needs a kernel with module support and v4l2loopback');
    }
    const nodes = videoNodes(root);
    let videoNr: number;
    if (this.o.videoNr !== undefined) {
      const taken = nodes.find((n) => n.nr === this.o.videoNr);
      if (taken) {
        throw new Stop(EXIT_BLOCKED, `${taken.path} is taken${taken.name ? ` ("${taken.name}")` : ''}: pick another --video-nr, or leave it out for the first free one (/dev/video${freeVideoNr(root)})`);
      }
      videoNr = this.o.videoNr;
    } else {
      videoNr = freeVideoNr(root);
    }
    const options = this.loopbackOptions(videoNr);

    if (module.loaded) {
      const version = module.version ? ` ${module.version}` : '';
      if (!this.o.add) {
        throw new Stop(
          EXIT_BLOCKED,
          `v4l2loopback${version} is already loaded without a "${label}" device, and modprobe cannot add one to a loaded module: run \`facemat camera load --add\` (v4l2loopback 0.13+, v4l2loopback-ctl), or unload it with \`sudo modprobe -r v4l2loopback\` (this closes every loopback device, OBS's too) and run \`facemat camera load\` again`,
          [`video nodes now: ${describeNodes(nodes)}`],
        );
      }
      if (supportsCtlAdd(module.version) === false) {
        throw new Stop(
          EXIT_BLOCKED,
          `v4l2loopback${version} is older than 0.13 and cannot add devices: unload it with \`sudo modprobe -r v4l2loopback\` and run \`facemat camera load\`, or load both devices at once: sudo modprobe v4l2loopback devices=2 ...`,
        );
      }
      const ctl = this.tool('v4l2loopback-ctl', 'apt-get install v4l2loopback-utils');
      const result = await this.exec([...this.rootPrefix(), ctl, ...ctlAddArgs(options)]);
      if (result.code !== 0) throw new Stop(EXIT_FAILED, `v4l2loopback-ctl add failed: ${lastLine(result)}`);
    } else {
      const modprobe = this.tool('modprobe', 'apt-get install kmod');
      const result = await this.exec([...this.rootPrefix(), modprobe, ...modprobeArgs(options)]);
      if (result.code !== 0) {
        const why = lastLine(result);
        if (/not found/i.test(why)) {
          throw new Stop(
            EXIT_BLOCKED,
            `the v4l2loopback module is not installed for this kernel (${why}): sudo apt-get install v4l2loopback-dkms linux-headers-$(uname -r), then facemat camera load`,
          );
        }
        if (result.code === 126 || result.code === 127) throw new Stop(EXIT_FAILED, `could not become root (${why}); run it as root: sudo facemat camera load`);
        throw new Stop(EXIT_FAILED, `modprobe failed: ${why}`);
      }
    }

    if (this.o.dryRun) {
      this.say(`would then wait for /dev/video${videoNr} labelled "${label}"`);
      return 0;
    }
    const node = await this.waitForNode(label);
    if (!node) {
      throw new Stop(EXIT_FAILED, `the module loaded, but no video node is labelled "${label}" after ${this.ctx.settleMs / 1000} s (nodes: ${describeNodes(videoNodes(root))}); see facemat camera status`);
    }
    const caps = exclusiveCapsOf(readLoopbackModule(root), node.nr);
    const devOk = existsSync(join(root, 'dev', `video${node.nr}`));
    this.say(`"${label}" is ${node.path}${caps === null ? '' : ` (exclusive_caps=${caps ? 1 : 0})`}${devOk ? '' : ` (sysfs has it, but ${node.path} is not there yet: is udev running?)`}`);
    this.say(`use it: facemat run --sink v4l2:${node.path}; keep it after a reboot: facemat camera persist`);
    return 0;
  }

  /** Writes files (paths under the root) as root: directly when we are root, else in one elevated `install` call. */
  private async writeSystemFiles(files: Array<{ path: string; text: string }>): Promise<void> {
    const direct = this.ctx.uid === 0;
    if (this.o.dryRun) {
      for (const file of files) {
        this.say(`would write ${join(this.o.root, file.path)}:`);
        for (const line of file.text.trimEnd().split('\n')) this.say(`  ${line}`);
      }
      if (!direct) this.say(`(as root, through ${this.rootPrefix().join(' ') || 'root'})`);
      return;
    }
    if (direct) {
      for (const file of files) {
        const target = join(this.o.root, file.path);
        try {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, file.text, { mode: 0o644 });
        } catch (err) {
          throw new Stop(EXIT_FAILED, `cannot write ${target}: ${(err as Error).message}`);
        }
        this.say(`wrote ${target}`);
      }
      return;
    }
    const prefix = this.rootPrefix();
    const install = this.tool('install', 'apt-get install coreutils');
    const sh = this.tool('sh', 'apt-get install dash');
    const staging = mkdtempSync(join(tmpdir(), 'facemat-camera-'));
    try {
      const script: string[] = [];
      const args: string[] = [];
      files.forEach((file, i) => {
        const tmp = join(staging, `${i}.conf`);
        writeFileSync(tmp, file.text, { mode: 0o644 });
        script.push(`${install} -D -m 0644 "$${2 * i + 1}" "$${2 * i + 2}"`);
        args.push(tmp, join(this.o.root, file.path));
      });
      const result = await this.exec([...prefix, sh, '-c', script.join(' && '), 'sh', ...args]);
      if (result.code !== 0) {
        throw new Stop(EXIT_FAILED, `could not write ${files.map((f) => join(this.o.root, f.path)).join(' and ')} as root: ${lastLine(result)}`);
      }
      for (const file of files) this.say(`wrote ${join(this.o.root, file.path)}`);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async persist(): Promise<number> {
    const { root, label } = this.o;
    const state = persistenceState(root);
    const loadedNode = readLoopbackModule(root).loaded ? labelledNode(root, label) : null;
    const persistedNr = state.ours ? Number(parseOptions(state.ours).get('video_nr')) : NaN;
    const videoNr = this.o.videoNr ?? loadedNode?.nr ?? (Number.isInteger(persistedNr) && persistedNr >= 0 ? persistedNr : freeVideoNr(root));
    const options = this.loopbackOptions(videoNr);

    if (state.conflicts.length > 0) {
      const details = state.conflicts.map((c) => `${c.file}: ${c.line}`);
      const options0 = state.conflicts.find((c) => c.kind === 'options');
      const merged = options0 && state.conflicts.length === 1 ? mergedOptionsLine(options0.options, options) : null;
      const blacklisted = state.conflicts.some((c) => c.kind === 'blacklist');
      if (blacklisted) details.push('a blacklist line keeps systemd-modules-load from loading v4l2loopback at boot: remove it');
      if (merged) details.push(`one line for both, in place of that file's line (then remove ours: facemat camera unpersist):`, `  ${merged}`);
      if (!this.o.force) {
        throw new Stop(
          EXIT_BLOCKED,
          `another file already configures v4l2loopback (${state.conflicts.map((c) => c.file).join(', ')}); modprobe merges every options line and the later file wins each option, so ours and theirs would fight: fix that file, or write ours anyway with --force`,
          details,
        );
      }
      this.ctx.stderr.write(`facemat camera persist: warning: --force: writing ours next to ${state.conflicts.map((c) => c.file).join(', ')}\n`);
      for (const line of details) this.ctx.stderr.write(`  ${line}\n`);
    }

    const wanted = loopbackOptionString(options);
    const modprobePath = `/${MODPROBE_CONF}`;
    const loadPath = `/${MODULES_LOAD_CONF}`;
    if (state.ours === wanted && state.loadsAtBoot) {
      this.say(`already persisted: ${join(root, modprobePath)} has "options v4l2loopback ${wanted}"; nothing to do`);
      return 0;
    }
    await this.writeSystemFiles([
      { path: modprobePath, text: modprobeConfText(options) },
      { path: loadPath, text: modulesLoadText() },
    ]);
    if (state.otherLoaders.length > 0) this.say(`note: ${state.otherLoaders.join(', ')} also load${state.otherLoaders.length === 1 ? 's' : ''} v4l2loopback at boot (harmless)`);
    if (!this.o.dryRun) {
      this.say(
        loadedNode
          ? `"${label}" (${loadedNode.path}) now comes back after every boot`
          : `"${label}" will be /dev/video${videoNr} from the next boot on; to have it now: facemat camera load${this.o.videoNr !== undefined ? ` --video-nr ${videoNr}` : ''}`,
      );
    }
    return 0;
  }

  async unpersist(): Promise<number> {
    const present = [`/${MODPROBE_CONF}`, `/${MODULES_LOAD_CONF}`].filter((p) => existsSync(join(this.o.root, p)));
    if (present.length === 0) {
      this.say('not persisted (neither file is there); nothing to do');
      return 0;
    }
    const direct = this.ctx.uid === 0;
    if (this.o.dryRun) {
      for (const p of present) this.say(`would remove ${join(this.o.root, p)}`);
      if (!direct) this.say(`(as root, through ${this.rootPrefix().join(' ')})`);
      return 0;
    }
    if (direct) {
      for (const p of present) {
        try {
          rmSync(join(this.o.root, p));
        } catch (err) {
          throw new Stop(EXIT_FAILED, `cannot remove ${join(this.o.root, p)}: ${(err as Error).message}`);
        }
        this.say(`removed ${join(this.o.root, p)}`);
      }
    } else {
      const rm = this.tool('rm', 'apt-get install coreutils');
      const targets = present.map((p) => join(this.o.root, p));
      const result = await this.exec([...this.rootPrefix(), rm, '-f', ...targets]);
      if (result.code !== 0) throw new Stop(EXIT_FAILED, `could not remove ${targets.join(' and ')}: ${lastLine(result)}`);
      for (const t of targets) this.say(`removed ${t}`);
    }
    this.say('the module stays loaded until the next boot (or: sudo modprobe -r v4l2loopback)');
    return 0;
  }

  /** A user systemd we can talk to (`systemctl --user` needs the user's session bus). */
  private async userSystemd(): Promise<string | null> {
    const systemctl = which('systemctl', this.ctx.env);
    if (!systemctl) return null;
    const probe = await runProgram([systemctl, '--user', 'show-environment'], this.ctx.env, 10_000);
    return probe.code === 0 ? systemctl : null;
  }

  async installService(): Promise<number> {
    const env = this.ctx.env;
    if (this.ctx.uid === 0 && env.SUDO_USER && env.SUDO_USER !== 'root') {
      throw new Stop(EXIT_BLOCKED, `run this as ${env.SUDO_USER}, without sudo: a user service belongs to the user who logs in (this would install it for root)`);
    }
    if (!existsSync(this.ctx.mainScript)) {
      throw new Stop(EXIT_BLOCKED, `facemat is not built (${this.ctx.mainScript} is missing), and the service runs the built CLI: run \`npm run build\` first`);
    }
    const runArgs = this.o.runArgs ?? DEFAULT_SERVICE_ARGS;
    const configHome = env.XDG_CONFIG_HOME || join(env.HOME || '', '.config');
    try {
      resolveRunOptions(runArgs, { configPath: join(configHome, 'facemat-cam', 'config.json') });
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`the service's run options: ${err.message}`);
      throw err;
    }
    const path = unitPath(env);
    const state = serviceState(env);
    if (state.installed && !state.ours) {
      throw new Stop(EXIT_BLOCKED, `${path} exists and was not written by facemat: move it away first`);
    }
    const text = unitText({ node: this.ctx.node, main: this.ctx.mainScript, runArgs, packageRoot: packageRoot() });
    if (this.o.dryRun) {
      this.say(`would write ${path}:`);
      for (const line of text.trimEnd().split('\n')) this.say(`  ${line}`);
      if (this.o.enable) {
        this.say(`would run: systemctl --user daemon-reload`);
        this.say(`would run: systemctl --user enable ${this.o.start ? '--now ' : ''}${SERVICE_NAME}`);
        this.say(`(or, with no user systemd reachable, link ${wantsLinkPath(env)} -> ../${SERVICE_NAME})`);
      }
      return 0;
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (err) {
      throw new Stop(EXIT_FAILED, `cannot write ${path}: ${(err as Error).message}`);
    }
    this.say(`wrote ${path}`);
    this.say(`  ExecStart=${/^ExecStart=(.*)$/m.exec(text)![1]}`);
    if (!this.o.enable) {
      this.say(`not enabled (--no-enable); to enable: systemctl --user daemon-reload && systemctl --user enable --now ${SERVICE_NAME}`);
      return 0;
    }
    const systemctl = await this.userSystemd();
    if (systemctl) {
      let result = await this.exec([systemctl, '--user', 'daemon-reload']);
      if (result.code === 0) result = await this.exec([systemctl, '--user', 'enable', ...(this.o.start ? ['--now'] : []), SERVICE_NAME]);
      if (result.code !== 0) throw new Stop(EXIT_FAILED, `systemctl --user failed: ${lastLine(result)}; the file is written, see: systemctl --user status ${SERVICE_NAME}`);
      this.say(`enabled${this.o.start ? ' and started' : ''}: it starts at every login; logs: journalctl --user -u ${SERVICE_NAME}`);
      return 0;
    }
    const link = wantsLinkPath(env);
    try {
      mkdirSync(dirname(link), { recursive: true });
      rmSync(link, { force: true });
      symlinkSync(join('..', SERVICE_NAME), link);
    } catch (err) {
      throw new Stop(EXIT_FAILED, `cannot link ${link}: ${(err as Error).message}`);
    }
    this.say(`enabled by link (${link}): no user systemd is reachable from here (no session bus), so it starts at your next login`);
    this.say(`to start it now, from your desktop session: systemctl --user daemon-reload && systemctl --user start ${SERVICE_NAME}`);
    return 0;
  }

  async uninstallService(): Promise<number> {
    const env = this.ctx.env;
    const path = unitPath(env);
    const link = wantsLinkPath(env);
    const state = serviceState(env);
    if (!state.installed && !state.enabled) {
      this.say(`${SERVICE_NAME} is not installed; nothing to do`);
      return 0;
    }
    if (state.installed && !state.ours) throw new Stop(EXIT_BLOCKED, `${path} was not written by facemat; leaving it alone`);
    const systemctl = this.o.dryRun ? which('systemctl', env) : await this.userSystemd();
    if (systemctl) {
      const result = await this.exec([systemctl, '--user', 'disable', '--now', SERVICE_NAME]);
      if (result.code !== 0) this.ctx.stderr.write(`facemat camera uninstall-service: warning: systemctl --user disable --now: ${lastLine(result)}\n`);
    }
    if (this.o.dryRun) {
      this.say(`would remove ${link} and ${path}`);
      return 0;
    }
    rmSync(link, { force: true });
    rmSync(path, { force: true });
    this.say(`removed ${path}`);
    if (systemctl) await this.exec([systemctl, '--user', 'daemon-reload']);
    return 0;
  }

  async status(): Promise<number> {
    const { root, label } = this.o;
    const module = readLoopbackModule(root);
    const node = labelledNode(root, label);
    const line = (title: string, text: string) => this.say(`${(title + ':').padEnd(16)}${text}`);
    if (module.loaded) {
      const caps = module.exclusiveCaps ? ` exclusive_caps=${module.exclusiveCaps.map((c) => (c ? 1 : 0)).join(',')}` : '';
      const nrs = module.videoNr ? ` video_nr=${module.videoNr.join(',')}` : '';
      line('module', `v4l2loopback loaded${module.version ? ` (version ${module.version})` : ''}${nrs}${caps}`);
    } else {
      line('module', `v4l2loopback not loaded (facemat camera load)`);
    }
    if (node) {
      const caps = exclusiveCapsOf(module, node.nr);
      line('camera', `${node.path} "${label}"${caps === null ? '' : ` exclusive_caps=${caps ? 1 : 0}`}${existsSync(join(root, 'dev', `video${node.nr}`)) ? '' : ' (no /dev node!)'}`);
    } else {
      line('camera', `no node labelled "${label}" (video nodes: ${describeNodes(videoNodes(root))})`);
    }
    const persisted = persistenceState(root);
    if (persisted.ours !== null) {
      line('at boot', `/${MODPROBE_CONF}: options v4l2loopback ${persisted.ours}${persisted.loadsAtBoot ? `; /${MODULES_LOAD_CONF}` : `; /${MODULES_LOAD_CONF} missing (facemat camera persist)`}`);
    } else {
      line('at boot', 'not persisted (facemat camera persist)');
    }
    for (const c of persisted.conflicts) line('conflict', `${c.file}: ${c.line}`);
    const service = serviceState(this.ctx.env);
    line(
      'login service',
      service.installed
        ? `${unitPath(this.ctx.env)}${service.enabled ? ', enabled' : ', not enabled (systemctl --user enable --now facemat-cam)'}`
        : 'not installed (facemat camera install-service)',
    );
    return node ? 0 : EXIT_BLOCKED;
  }
}

export function createCameraCommand(ctx: CameraContext): CliCommand {
  return {
    name: 'camera',
    summary: SUMMARY,
    specs: Object.values(SUB_COMMANDS),
    async run(argv) {
      const [sub, ...rest] = argv;
      if (!sub || sub === '-h' || sub === '--help') {
        ctx.stdout.write(HELP + '\n');
        return sub ? 0 : 2;
      }
      if (!(sub in SUB_COMMANDS)) throw new UsageError(`unknown command "${sub}" (commands: ${Object.keys(SUB_COMMANDS).join(', ')})`);
      const spec: CommandSpec = SUB_COMMANDS[sub as SubCommand];
      const { help, values, operands } = parseCommandLine(spec, rest);
      if (help) {
        ctx.stdout.write(helpText(spec) + '\n');
        return 0;
      }
      // `--` with nothing after it is a service that runs `facemat run` with no options
      const runArgs = rest.includes('--') ? operands : null;
      const setup = new CameraSetup(ctx, cameraOptions(values as CameraValues, runArgs, ctx.env));
      try {
        switch (sub) {
          case 'load':
            return await setup.load();
          case 'persist':
            return await setup.persist();
          case 'unpersist':
            return await setup.unpersist();
          case 'install-service':
            return await setup.installService();
          case 'uninstall-service':
            return await setup.uninstallService();
          default:
            return await setup.status();
        }
      } catch (err) {
        if (!(err instanceof Stop)) throw err;
        ctx.stderr.write(`facemat camera ${sub}: ${err.message}\n`);
        for (const line of err.details) ctx.stderr.write(`  ${line}\n`);
        return err.code;
      }
    },
  };
}

export const command: CliCommand = {
  name: 'camera',
  summary: SUMMARY,
  specs: Object.values(SUB_COMMANDS),
  run: (argv) => createCameraCommand(defaultCameraContext()).run(argv),
};
