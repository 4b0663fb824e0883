import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../config/paths.js';
import type { DeviceInfo, NativeBinding } from '../../native/binding.js';
import { FACEMAT_CARD_LABEL, OBS_CARD_LABEL, isLoopback, isWebcam, pickLoopback } from '../../native/device-selection.js';
import { addonPath, loadNative } from '../../native/loader.js';
import { MODPROBE_CONF, MODULES_LOAD_CONF, loopbackSetupLines } from '../../native/loopback-setup.js';
import { persistenceState } from '../../setup/loopback-state.js';
import { SERVICE_NAME, serviceState, unitPath } from '../../setup/user-service.js';
import type { CliCommand } from '../command.js';
import { commandSpec } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';
import { errorMessage } from '../../util/error-message.js';

/** Exit status when the virtual camera cannot be used (module missing, no usable node). */
export const EXIT_NO_VIRTUAL_CAMERA = 3;
/** Exit status when the native addon cannot load (not Linux, not built): no camera at all. */
export const EXIT_NO_NATIVE = 4;

export const DOCTOR_SPEC = commandSpec({
  name: 'doctor',
  summary: 'Check the webcam and virtual camera setup and print how to fix it',
  usage: '',
  about: `Checks what facemat needs for a webcam and a virtual camera: the native addon, the webcams,
the v4l2loopback module (and its exclusive_caps), the loopback device facemat would use, and
prints the exact commands to fix what is missing. It also says whether the camera comes back
after a reboot (facemat camera persist) and starts at login (facemat camera install-service);
those two are warnings, never failures.`,
  options: {},
  footer: `Exit status: 0 the virtual camera is usable, ${EXIT_NO_VIRTUAL_CAMERA} it is not (module or device missing),
${EXIT_NO_NATIVE} the native addon cannot load, 2 bad usage.`,
});

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface Check {
  status: CheckStatus;
  title: string;
  message: string;
}

export interface DoctorReport {
  checks: Check[];
  /** The node the virtual camera would use, or null. */
  virtualCamera: string | null;
  /** Commands to run, when the virtual camera is not usable. */
  fix: string[];
  exitCode: number;
}

export interface DoctorProbe {
  /** '/' normally; tests point it at a directory holding sys/module/... and proc/modules. */
  root: string;
  /** Loads the addon; throws NativeLoadError when it cannot. */
  native: () => NativeBinding;
  /** HOME / XDG_CONFIG_HOME for the login service check; process.env when left out. */
  env?: NodeJS.ProcessEnv;
}

function readParam(root: string, name: string): string | null {
  try {
    return readFileSync(join(root, 'sys/module/v4l2loopback', name), 'utf8').trim();
  } catch {
    return null;
  }
}

/** exclusive_caps for one node: the module's parameter arrays are indexed by device, in creation order. */
function exclusiveCapsFor(root: string, device: DeviceInfo, loopbacks: readonly DeviceInfo[]): boolean | null {
  const caps = readParam(root, 'parameters/exclusive_caps')?.split(',');
  if (!caps) return null;
  const number = Number(/(\d+)$/.exec(device.path)?.[1] ?? NaN);
  const videoNr = readParam(root, 'parameters/video_nr')?.split(',').map(Number) ?? [];
  let index = videoNr.indexOf(number);
  if (index < 0) index = [...loopbacks].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })).indexOf(device);
  const value = caps[index];
  if (value === undefined) return null;
  return value === 'Y' || value === '1';
}

export function diagnose(probe: DoctorProbe): DoctorReport {
  const checks: Check[] = [];
  const report: DoctorReport = { checks, virtualCamera: null, fix: [], exitCode: 0 };

  let devices: DeviceInfo[] | null = null;
  try {
    const native = probe.native();
    checks.push({ status: 'ok', title: 'native addon', message: `loaded (${relative(packageRoot(), addonPath('facemat_native'))})` });
    devices = native.listDevices();
  } catch (err) {
    checks.push({ status: 'fail', title: 'native addon', message: errorMessage(err) });
    report.exitCode = EXIT_NO_NATIVE;
  }

  if (devices) {
    const webcams = devices.filter(isWebcam);
    checks.push(
      webcams.length > 0
        ? { status: 'ok', title: 'webcams', message: webcams.map((d) => `${d.path} (${d.card})`).join(', ') }
        : {
            status: 'warn',
            title: 'webcams',
            message: 'none found (no V4L2 capture device); plug one in, or run from a file or the synthetic source',
          },
    );
  }

  const moduleLoaded = existsSync(join(probe.root, 'sys/module/v4l2loopback'));
  if (moduleLoaded) {
    const version = readParam(probe.root, 'version');
    checks.push({ status: 'ok', title: 'v4l2loopback', message: `module loaded${version ? ` (version ${version})` : ''}` });
  } else {
    const noModules = !existsSync(join(probe.root, 'proc/modules'));
    checks.push({
      status: 'fail',
      title: 'v4l2loopback',
      message: noModules
        ? 'module not loaded, and this kernel cannot load modules (no /proc/modules): the virtual camera needs a kernel with module support'
        : 'module not loaded',
    });
  }

  if (devices) {
    const loopbacks = devices.filter(isLoopback);
    if (loopbacks.length > 0) {
      const listed = loopbacks.map((d) => `${d.path} "${d.card}"${d.card === OBS_CARD_LABEL ? " (OBS's, never used)" : ''}`);
      checks.push({ status: 'info', title: 'loopback devices', message: listed.join(', ') });
    }
    const choice = pickLoopback(devices);
    if (choice.device) {
      const device = choice.device;
      report.virtualCamera = device.path;
      const notes: string[] = [];
      let status: CheckStatus = 'ok';
      if (device.card !== FACEMAT_CARD_LABEL) notes.push(`labelled "${device.card}", not "${FACEMAT_CARD_LABEL}"`);
      if (!device.caps.includes('video-output')) {
        status = 'warn';
        notes.push('another program is writing to it now');
      }
      const exclusive = exclusiveCapsFor(probe.root, device, loopbacks);
      if (exclusive === false) {
        status = 'warn';
        notes.push('exclusive_caps is off: Chrome/WebRTC and Zoom may not list it (reload with exclusive_caps=1; only the snap Zoom wants it off)');
      } else if (exclusive === true) {
        notes.push('exclusive_caps=1');
      }
      checks.push({ status, title: 'virtual camera', message: `${device.path}${notes.length ? ` (${notes.join('; ')})` : ''}` });
    } else {
      checks.push({ status: 'fail', title: 'virtual camera', message: `not usable: ${choice.reason}` });
      if (report.exitCode === 0) report.exitCode = EXIT_NO_VIRTUAL_CAMERA;
      report.fix = loopbackSetupLines();
      if (loopbacks.some((d) => d.card === OBS_CARD_LABEL)) {
        report.fix.unshift(
          `# OBS has its own loopback device; add one for facemat next to it (0.13+), or reload with devices=2 card_label="${OBS_CARD_LABEL},${FACEMAT_CARD_LABEL}"`,
        );
      }
    }
  } else if (!moduleLoaded) {
    report.fix = loopbackSetupLines();
  }
  checks.push(...setupChecks(probe));
  return report;
}

/** Persistence and the login service: warnings with the command that fixes them, never failures. */
export function setupChecks(probe: Pick<DoctorProbe, 'root' | 'env'>): Check[] {
  const checks: Check[] = [];
  const persisted = persistenceState(probe.root);
  if (persisted.ours !== null && persisted.loadsAtBoot) {
    checks.push({ status: 'ok', title: 'at boot', message: `/${MODPROBE_CONF}: options v4l2loopback ${persisted.ours}` });
  } else if (persisted.ours !== null) {
    checks.push({ status: 'warn', title: 'at boot', message: `/${MODULES_LOAD_CONF} is missing, so the module is not loaded at boot: facemat camera persist` });
  } else {
    checks.push({ status: 'warn', title: 'at boot', message: 'the virtual camera is gone after a reboot: facemat camera persist' });
  }
  if (persisted.conflicts.length > 0) {
    checks.push({
      status: 'warn',
      title: 'at boot',
      message: `other v4l2loopback configuration, which modprobe merges with ours: ${persisted.conflicts.map((c) => `${c.file} (${c.line})`).join('; ')} (facemat camera persist explains)`,
    });
  }
  const env = probe.env ?? process.env;
  const service = serviceState(env);
  if (service.installed && service.enabled) {
    checks.push({ status: 'ok', title: 'login service', message: `${SERVICE_NAME} installed and enabled` });
  } else if (service.installed) {
    checks.push({ status: 'warn', title: 'login service', message: `${unitPath(env)} is installed but not enabled: systemctl --user enable --now ${SERVICE_NAME}` });
  } else {
    checks.push({ status: 'warn', title: 'login service', message: 'not installed: to start the camera at login, facemat camera install-service' });
  }
  return checks;
}

const LABELS: Record<CheckStatus, string> = { ok: 'ok  ', info: 'info', warn: 'warn', fail: 'FAIL' };

export function formatReport(report: DoctorReport): string[] {
  const lines = report.checks.map((check) => `${LABELS[check.status]}  ${check.title}: ${check.message}`);
  if (report.fix.length > 0) {
    lines.push('', 'to get a virtual camera:', ...report.fix.map((line) => `  ${line}`));
  }
  if (report.virtualCamera) {
    lines.push('', `facemat run writes the virtual camera to ${report.virtualCamera}; check it with: ffplay ${report.virtualCamera}`);
  }
  const meaning =
    report.exitCode === 0 ? 'virtual camera usable' : report.exitCode === EXIT_NO_NATIVE ? 'native addon unusable' : 'virtual camera not usable';
  lines.push('', `exit status ${report.exitCode}: ${meaning}`);
  return lines;
}

export interface DoctorIo {
  stdout: { write(text: string): unknown };
}

export async function runDoctor(argv: string[], io: DoctorIo, probe: DoctorProbe): Promise<number> {
  if (parseCommandLine(DOCTOR_SPEC, argv).help) {
    io.stdout.write(helpText(DOCTOR_SPEC) + '\n');
    return 0;
  }
  const report = diagnose(probe);
  io.stdout.write(formatReport(report).join('\n') + '\n');
  return report.exitCode;
}

export const command: CliCommand = {
  name: 'doctor',
  summary: DOCTOR_SPEC.summary,
  specs: [DOCTOR_SPEC],
  run: (argv) => runDoctor(argv, process, { root: process.env.FACEMAT_ROOT || '/', native: loadNative }),
};
