import { logger } from '../../log.js';
import type { BridgePart } from './obs-bridge.js';
import { OBS_STATUS, ObsRequestError, type ObsSession } from './obs-session.js';

const log = logger('obs-bridge');

export type VirtualcamOutcome = 'started' | 'already-running' | 'unavailable';

/**
 * `--obs-virtualcam`: OBS's own virtual camera runs while facemat-cam runs. Started on each
 * connection (OBS may have restarted), stopped when the bridge closes - but only when we were
 * the ones who started it, so a virtual camera the user started keeps running.
 */
export class VirtualcamControl implements BridgePart {
  readonly name = 'OBS virtual camera';
  private startedByUs = false;
  /** The user stopped it in OBS: respect that on later reconnects. */
  private stoppedInObs = false;
  private unavailableReported = false;
  private last: VirtualcamOutcome | null = null;
  private stopping = false;

  /** What the last start attempt found, or null before one. */
  get outcome(): VirtualcamOutcome | null {
    return this.last;
  }

  async attach(session: ObsSession): Promise<void> {
    session.on('VirtualcamStateChanged', (e) => {
      if (e.outputActive || !this.startedByUs || this.stopping) return;
      this.startedByUs = false;
      this.stoppedInObs = true;
      log.info("OBS's virtual camera was stopped in OBS; facemat-cam will not start it again this run");
    });
    if (this.stoppedInObs) return;
    try {
      await session.call('StartVirtualCam');
      this.startedByUs = true;
      this.last = 'started';
      log.info("started OBS's virtual camera; facemat-cam stops it when it exits");
    } catch (err) {
      if (!(err instanceof ObsRequestError)) throw err;
      if (err.code === OBS_STATUS.outputRunning) {
        this.last = 'already-running';
        log.info("OBS's virtual camera is already running; facemat-cam leaves it running when it exits");
        return;
      }
      if (err.code === OBS_STATUS.invalidResourceState) {
        this.last = 'unavailable';
        if (!this.unavailableReported) {
          log.error(
            `OBS cannot start its virtual camera (StartVirtualCam answered 604 "${err.comment}"). ` +
              'On Linux OBS needs the v4l2loopback kernel module: ' +
              'sudo modprobe v4l2loopback devices=1 video_nr=10 card_label="OBS Virtual Camera" exclusive_caps=1, ' +
              'then restart OBS. The FaceMat Camera input in OBS works without it.',
          );
          this.unavailableReported = true;
        }
        return;
      }
      throw err;
    }
  }

  async shutdown(session: ObsSession): Promise<void> {
    if (!this.startedByUs) return;
    this.stopping = true;
    try {
      await session.call('StopVirtualCam');
      this.startedByUs = false;
      log.info("stopped OBS's virtual camera");
    } catch (err) {
      // Already stopped by the user in OBS: nothing left to do.
      if (err instanceof ObsRequestError && err.code === OBS_STATUS.outputNotRunning) return;
      throw err;
    } finally {
      this.stopping = false;
    }
  }
}
