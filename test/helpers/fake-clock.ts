import type { Clock } from '../../src/pipeline/scheduler/clock.js';

/** Lets every promise chain and setImmediate hop run that can run without time passing. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock whose time moves only when everything else waits on it: a discrete-event simulation
 * of the scheduler and its stage doubles. Time jumps to the next timer once no promise chain
 * can make progress, so a test's verdict never depends on how busy the machine is, and a run
 * of "10 s" takes milliseconds.
 */
export class FakeClock implements Clock {
  private time = 0;
  private nextId = 0;
  private timers: Array<{ at: number; id: number; fire: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const id = this.nextId++;
      const fire = () => {
        signal?.removeEventListener('abort', cancel);
        resolve();
      };
      const cancel = () => {
        this.timers = this.timers.filter((t) => t.id !== id);
        resolve();
      };
      this.timers.push({ at: this.time + Math.max(0, ms), id, fire });
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  /** Runs until `done` settles; fails if it can never settle (nothing left to wait for). */
  async run<T>(done: Promise<T>): Promise<T> {
    let settled = false;
    const watched = done.finally(() => {
      settled = true;
    });
    await this.until(() => settled, 'the run to finish');
    return watched;
  }

  /** Lets virtual time pass, firing every timer due in the next `ms`, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    while (this.fireNext(end)) await settle();
    this.time = end;
    await settle();
  }

  /**
   * Advances timer by timer until `condition` holds. Fails saying what it waited for when no
   * timer is left or `limitMs` of virtual time passed.
   */
  async until(condition: () => boolean, what: string, limitMs = 600_000): Promise<void> {
    const end = this.time + limitMs;
    await settle();
    while (!condition()) {
      if (!this.fireNext(end)) {
        throw new Error(`waiting for ${what}: ${this.timers.length ? `still not after ${limitMs} ms of virtual time` : 'nothing is scheduled any more'}`);
      }
      await settle();
    }
  }

  /** Fires the earliest timer due by `end`; false when there is none. */
  private fireNext(end: number): boolean {
    if (this.timers.length === 0) return false;
    const first = this.timers.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.id < a.id) ? b : a));
    if (first.at > end) return false;
    this.timers = this.timers.filter((t) => t !== first);
    this.time = Math.max(this.time, first.at);
    first.fire();
    return true;
  }
}
