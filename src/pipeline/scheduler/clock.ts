import { abortableDelay } from '../../util/abortable-delay.js';

/**
 * The scheduler's sense of time for its own decisions (when to idle, when a keep-alive frame is
 * due, when to retry a lost camera). Tests give it a fake clock, so no verdict depends on how
 * busy the machine is. Latency metrics keep measuring real time (frame.ts nowMs).
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (a stop must not wait a poll out). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: abortableDelay,
};
