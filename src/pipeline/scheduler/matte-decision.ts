import type { Matte } from '../frame.js';

/** What the matte stage is doing, as the composite stage sees it. */
export interface MatteStageState {
  /** false: no model; every frame goes out without a matte. */
  hasEngine: boolean;
  /** The frame whose matte is being made, or null. */
  inFlight: number | null;
  /** The newest frame waiting for the matte stage, or null. */
  waiting: number | null;
  /** The newest matte made, or null. */
  latest: Matte | null;
  /** How many frames apart a matte and the frame it is applied to may be. */
  maxLag: number;
  /** Whether the last inference failed (then an old matte is not reused). */
  failing: boolean;
}

export type MatteDecision = 'wait' | 'drop' | { matte: Matte | null };

/**
 * Which matte frame `seq` is composited with, or whether it waits or is dropped. Pure, so every
 * case is a table test (test/unit/15-matte-decision.decide.test.ts).
 */
export function decideMatte(seq: number, s: MatteStageState): MatteDecision {
  if (!s.hasEngine) return { matte: null };
  // Its own matte being made is worth waiting for; one merely queued behind another inference
  // is not, when a close enough matte exists (that would add a whole inference of latency).
  if (s.inFlight === seq) return 'wait';
  const m = s.latest;
  if (m && Math.abs(m.seq - seq) <= s.maxLag) return { matte: m };
  if (m && m.seq > seq + s.maxLag) return 'drop';
  if (s.waiting === seq) return 'wait';
  // The newest matte is too old: wait if a newer one is being made, else use what there is.
  if (s.inFlight !== null || s.waiting !== null) return 'wait';
  return { matte: m && !s.failing ? m : null };
}
