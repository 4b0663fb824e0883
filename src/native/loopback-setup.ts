import { FACEMAT_CARD_LABEL } from './device-selection.js';

/** The video node number facemat suggests for its virtual camera (/dev/video10). */
export const SUGGESTED_VIDEO_NR = 10;

const OPTIONS = `devices=1 video_nr=${SUGGESTED_VIDEO_NR} card_label="${FACEMAT_CARD_LABEL}" exclusive_caps=1`;

/** The one-line fix, for error messages. */
export const MODPROBE_LINE = `sudo modprobe v4l2loopback ${OPTIONS}`;

/**
 * The commands that give facemat a virtual camera, as `facemat doctor` prints them: load the
 * module (or add a device to a loaded 0.13+ module), and keep it across reboots.
 */
export function loopbackSetupLines(): string[] {
  return [
    '# install the module (Debian/Ubuntu; v4l2loopback-utils has v4l2loopback-ctl):',
    'sudo apt-get install v4l2loopback-dkms v4l2loopback-utils',
    '# load it with a "FaceMat Camera" device at /dev/video10:',
    MODPROBE_LINE,
    '# or, with v4l2loopback 0.13+ already loaded, add a device:',
    `sudo v4l2loopback-ctl add --exclusive-caps=1 --name="${FACEMAT_CARD_LABEL}" /dev/video${SUGGESTED_VIDEO_NR}`,
    '# keep it after a reboot:',
    `echo 'options v4l2loopback ${OPTIONS}' | sudo tee /etc/modprobe.d/facemat-v4l2loopback.conf`,
    "echo v4l2loopback | sudo tee /etc/modules-load.d/facemat-v4l2loopback.conf",
    '# exclusive_caps=1 is what Chrome/WebRTC and Zoom need; if the snap Zoom does not list the camera, try exclusive_caps=0',
  ];
}
