import { FACEMAT_CARD_LABEL } from './device-selection.js';

/**
 * The one place for the v4l2loopback options facemat asks for: what `facemat camera load` and
 * `persist` run and write, and what `facemat doctor` and the error messages print.
 */

/** The video node number facemat suggests for its virtual camera (/dev/video10). */
export const SUGGESTED_VIDEO_NR = 10;

/** What `facemat camera persist` writes, relative to the system root. */
export const MODPROBE_CONF = 'etc/modprobe.d/facemat-v4l2loopback.conf';
export const MODULES_LOAD_CONF = 'etc/modules-load.d/facemat-v4l2loopback.conf';

export interface LoopbackOptions {
  videoNr: number;
  label: string;
  exclusiveCaps: boolean;
}

export const DEFAULT_LOOPBACK_OPTIONS: LoopbackOptions = {
  videoNr: SUGGESTED_VIDEO_NR,
  label: FACEMAT_CARD_LABEL,
  exclusiveCaps: true,
};

/** video_nr: what v4l2loopback accepts (its MAX_DEVICES-independent node range). */
export function checkVideoNr(value: number): string | null {
  return Number.isInteger(value) && value >= 0 && value <= 255 ? null : 'the video node number must be an integer from 0 to 255';
}

/**
 * card_label is a comma-separated array parameter of the module and a quoted string in
 * modprobe.d: a comma, a quote or a backslash would change what the kernel sees.
 */
export function checkLabel(label: string): string | null {
  if (label.length === 0) return 'the label must not be empty';
  if (label.length > 31) return 'the label must be at most 31 characters (the V4L2 card name is 32 bytes)';
  if (/[",'\\\n\r\t]/.test(label)) return 'the label must not contain commas, quotes, backslashes or control characters';
  return null;
}

/** The module options, as modprobe.d and a shell take them: devices=1 video_nr=10 card_label="FaceMat Camera" exclusive_caps=1 */
export function loopbackOptionString(options: LoopbackOptions = DEFAULT_LOOPBACK_OPTIONS): string {
  return `devices=1 video_nr=${options.videoNr} card_label="${options.label}" exclusive_caps=${options.exclusiveCaps ? 1 : 0}`;
}

/**
 * modprobe's arguments for execFile (no shell): the label is one argument with its space;
 * kmod's and busybox's modprobe both quote a value with spaces when they pass it on.
 */
export function modprobeArgs(options: LoopbackOptions = DEFAULT_LOOPBACK_OPTIONS): string[] {
  return ['v4l2loopback', 'devices=1', `video_nr=${options.videoNr}`, `card_label=${options.label}`, `exclusive_caps=${options.exclusiveCaps ? 1 : 0}`];
}

/** v4l2loopback-ctl (0.13+) arguments that add one device to the loaded module. */
export function ctlAddArgs(options: LoopbackOptions = DEFAULT_LOOPBACK_OPTIONS): string[] {
  return ['add', `--exclusive-caps=${options.exclusiveCaps ? 1 : 0}`, `--name=${options.label}`, `/dev/video${options.videoNr}`];
}

const OPTIONS = loopbackOptionString();

/** The one-line fix, for error messages. */
export const MODPROBE_LINE = `sudo modprobe v4l2loopback ${OPTIONS}`;

/** The line `facemat camera persist` writes to MODPROBE_CONF. */
export function modprobeConfText(options: LoopbackOptions = DEFAULT_LOOPBACK_OPTIONS): string {
  return [
    '# Written by `facemat camera persist` (facemat-cam); `facemat camera unpersist` removes it.',
    '# The "FaceMat Camera" virtual camera: one v4l2loopback device, exclusive_caps for Chrome/Zoom.',
    `options v4l2loopback ${loopbackOptionString(options)}`,
    '',
  ].join('\n');
}

/** What `facemat camera persist` writes to MODULES_LOAD_CONF. */
export function modulesLoadText(): string {
  return ['# Written by `facemat camera persist` (facemat-cam): load v4l2loopback at boot.', 'v4l2loopback', ''].join('\n');
}

/**
 * The commands that give facemat a virtual camera, as `facemat doctor` prints them: load the
 * module (or add a device to a loaded 0.13+ module), and keep it across reboots.
 */
export function loopbackSetupLines(): string[] {
  return [
    '# install the module (Debian/Ubuntu; v4l2loopback-utils has v4l2loopback-ctl):',
    'sudo apt-get install v4l2loopback-dkms v4l2loopback-utils',
    '# load it with a "FaceMat Camera" device (facemat picks a free /dev/videoN, 10 or above; pkexec or sudo):',
    'facemat camera load',
    '# or by hand, at /dev/video10:',
    MODPROBE_LINE,
    '# or, with v4l2loopback 0.13+ already loaded, add a device (`facemat camera load --add` does this):',
    `sudo v4l2loopback-ctl add --exclusive-caps=1 --name="${FACEMAT_CARD_LABEL}" /dev/video${SUGGESTED_VIDEO_NR}`,
    '# keep it after a reboot (`facemat camera persist` writes these two files):',
    `echo 'options v4l2loopback ${OPTIONS}' | sudo tee /${MODPROBE_CONF}`,
    `echo v4l2loopback | sudo tee /${MODULES_LOAD_CONF}`,
    '# exclusive_caps=1 is what Chrome/WebRTC and Zoom need; if the snap Zoom does not list the camera, try exclusive_caps=0',
  ];
}
