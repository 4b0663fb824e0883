import type { DeviceInfo } from './binding.js';

/** The card label facemat asks v4l2loopback for, and looks for first. */
export const FACEMAT_CARD_LABEL = 'FaceMat Camera';
/** OBS's own virtual camera takes the node with this label: never write to it. */
export const OBS_CARD_LABEL = 'OBS Virtual Camera';
const LOOPBACK_DRIVER = 'v4l2 loopback';

export function isLoopback(device: DeviceInfo): boolean {
  return device.driver === LOOPBACK_DRIVER;
}

/** A camera facemat can read: a capture node that is not a v4l2loopback device. */
export function isWebcam(device: DeviceInfo): boolean {
  return !device.error && !isLoopback(device) && device.caps.includes('video-capture');
}

/** The webcam to use when none is named: the first one, in /dev/videoN order. */
export function pickWebcam(devices: readonly DeviceInfo[]): DeviceInfo | null {
  return devices.find(isWebcam) ?? null;
}

export type LoopbackChoice = { device: DeviceInfo } | { device: null; reason: string };

/**
 * The v4l2loopback node for the virtual camera: the one labelled "FaceMat Camera" first, else
 * any other loopback node except OBS's. Among equals, one that is free (still an output, no
 * other writer) wins.
 */
export function pickLoopback(devices: readonly DeviceInfo[]): LoopbackChoice {
  const loopbacks = devices.filter((d) => isLoopback(d) && !d.error);
  if (loopbacks.length === 0) return { device: null, reason: 'no v4l2loopback device' };
  const usable = loopbacks.filter((d) => d.card !== OBS_CARD_LABEL);
  if (usable.length === 0) {
    return { device: null, reason: `the only v4l2loopback device is OBS's (${loopbacks.map((d) => d.path).join(', ')} "${OBS_CARD_LABEL}")` };
  }
  const rank = (d: DeviceInfo) => (d.card === FACEMAT_CARD_LABEL ? 0 : 2) + (d.caps.includes('video-output') ? 0 : 1);
  const best = [...usable].sort((a, b) => rank(a) - rank(b))[0];
  return { device: best };
}

/** "v4l2:/dev/video0" or "/dev/video0" -> "/dev/video0"; "v4l2:", "" or undefined -> undefined (pick one). */
export function devicePath(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  const path = spec.startsWith('v4l2:') ? spec.slice('v4l2:'.length) : spec;
  return path === '' || path === 'auto' ? undefined : path;
}
