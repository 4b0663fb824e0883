import type { DeviceInfo, NativeBinding, PixelFormatInfo } from '../../native/binding.js';
import { OBS_CARD_LABEL, isLoopback, isWebcam } from '../../native/device-selection.js';
import { NativeLoadError, loadNative } from '../../native/loader.js';
import { MODPROBE_LINE } from '../../native/loopback-setup.js';
import type { CliCommand } from '../command.js';
import { commandSpec, flag } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';

export const DEVICES_SPEC = commandSpec({
  name: 'devices',
  summary: 'List webcams and virtual camera (v4l2loopback) devices',
  usage: '[--json]',
  about: `Lists the video devices (V4L2): webcams with every format, size and frame rate they offer,
and v4l2loopback virtual camera devices with their labels.`,
  options: {
    json: flag({ help: 'print the list as JSON (for scripts)' }),
  },
  footer: 'Exit status: 0 listed (also when there is none), 1 the native addon cannot load, 2 bad usage.',
});

export interface DevicesIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What a node is, in words. */
function deviceRole(device: DeviceInfo): string {
  if (isLoopback(device)) {
    if (device.card === OBS_CARD_LABEL) return "virtual camera (OBS's; facemat never uses it)";
    return device.caps.includes('video-output') ? 'virtual camera (free)' : 'virtual camera (a program is writing to it)';
  }
  if (isWebcam(device)) return 'webcam';
  if (device.caps.includes('metadata-capture')) return 'metadata node (not a video stream)';
  if (device.caps.includes('video-capture-mplane')) return 'multi-planar capture (not supported)';
  if (device.caps.includes('video-m2m')) return 'memory-to-memory codec';
  if (device.caps.includes('video-output')) return 'video output';
  return 'not a camera';
}

function formatLine(format: PixelFormatInfo): string {
  const sizes = format.sizes.map((size) => {
    const rates = size.fpsRange ? `${size.fpsRange[0]}-${size.fpsRange[1]}` : size.fps.join(', ');
    return rates ? `${size.width}x${size.height} @ ${rates} fps` : `${size.width}x${size.height}`;
  });
  const range = format.sizeRange ? ' (any size in between)' : '';
  return `    ${format.fourcc.padEnd(4)}  ${sizes.join('; ')}${range}`;
}

/** The human listing, one block per node. */
export function formatDevices(devices: readonly DeviceInfo[]): string[] {
  if (devices.length === 0) {
    return [
      'no video devices: there is no /dev/video* node on this machine.',
      '  webcam: plug one in (USB webcams appear as /dev/videoN through the uvcvideo driver), then run `facemat devices` again.',
      `  virtual camera: ${MODPROBE_LINE}`,
      '  `facemat doctor` checks the whole setup and prints how to keep the virtual camera after a reboot.',
    ];
  }
  const lines: string[] = [];
  for (const device of devices) {
    if (device.error) {
      lines.push(`${device.path}  ${device.error}`);
      continue;
    }
    lines.push(`${device.path}  ${device.card}  [${device.driver}${device.bus ? `, ${device.bus}` : ''}]  ${deviceRole(device)}`);
    if (isWebcam(device) || (isLoopback(device) && device.formats.length > 0)) {
      for (const format of device.formats) lines.push(formatLine(format));
    }
  }
  return lines;
}

export async function runDevices(argv: string[], io: DevicesIo, native: () => NativeBinding = loadNative): Promise<number> {
  const { help, values } = parseCommandLine(DEVICES_SPEC, argv);
  if (help) {
    io.stdout.write(helpText(DEVICES_SPEC) + '\n');
    return 0;
  }
  const json = values.json ?? false;
  let devices: DeviceInfo[];
  try {
    devices = native().listDevices();
  } catch (err) {
    if (!(err instanceof NativeLoadError)) throw err;
    io.stderr.write(`facemat devices: ${err.message}\n`);
    return 1;
  }
  io.stdout.write(json ? JSON.stringify(devices, null, 2) + '\n' : formatDevices(devices).join('\n') + '\n');
  return 0;
}

export const command: CliCommand = {
  name: 'devices',
  summary: DEVICES_SPEC.summary,
  specs: [DEVICES_SPEC],
  run: (argv) => runDevices(argv, process),
};
