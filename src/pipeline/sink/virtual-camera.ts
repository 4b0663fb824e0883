/** The virtual camera output as the control surfaces see it (a v4l2loopback sink underneath). */
export interface VirtualCamera {
  /** False where no v4l2loopback node can be used; `detail` says why. */
  readonly available: boolean;
  readonly active: boolean;
  /** Device path when available, or the reason it is not. */
  readonly detail: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
