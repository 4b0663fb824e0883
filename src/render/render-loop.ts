import type { Frame, Matte } from '../pipeline/frame.js';
import { nowMs } from '../pipeline/frame.js';
import { FramePool } from '../pipeline/frame-pool.js';
import type { MatteEngine } from '../pipeline/matte/matte-engine.js';
import { MATTE_RING, guidedUpsample } from '../pipeline/matte/index.js';
import type { Compositor } from '../pipeline/composite/compositor.js';
import type { FilterInstance } from '../pipeline/filter-settings/filter-catalogue.js';
import type { FrameInput } from './frame-input.js';
import { DecodeError } from './frame-input.js';
import type { FrameWriter } from './frame-writer.js';

/** Frames whose matte is asked for ahead of the one being composited. */
const LOOKAHEAD = 2;

export interface RenderLoopOptions {
  input: FrameInput;
  engine: MatteEngine;
  /** null with `matteOnly`: the matte is upsampled on the CPU, no GL is needed. */
  compositor: Compositor | null;
  chain: readonly FilterInstance[];
  /** Opened when the first frame is ready (the input's time base is known by then). */
  openWriter: () => Promise<FrameWriter>;
  /**
   * Write the matte instead of the composited frame: one byte a pixel, 255 = face skin, upsampled
   * to the frame guided by its luma (the upsampling `facemat matte` uses, src/pipeline/matte/
   * upsample.ts), over the matte's roi only.
   */
  matteOnly: boolean;
  /** Called after each frame written, with the count so far. */
  onFrame?: (frames: number) => void;
}

/** Milliseconds the main thread spent in, or waiting for, each stage. */
export interface LoopTimings {
  readWaitMs: number;
  matteWaitMs: number;
  compositeMs: number;
  writeMs: number;
  wallMs: number;
}

export interface LoopResult {
  frames: number;
  /** stop() was called: frames after those in flight were not read. */
  stopped: boolean;
  /** The input failed after `frames` frames; they are written. */
  decodeError: DecodeError | null;
  timings: LoopTimings;
}

interface Pending {
  frame: Frame;
  pts: number;
  matte: Promise<Matte>;
}

/**
 * Every input frame, once, in order, with its own matte. The stages overlap without giving that
 * up: ffmpeg decodes ahead in its own process, the model runs in the engine's worker thread on
 * frames k+1 and k+2 (in order, so the temporal filter and the face crop follow the frames)
 * while the main thread composites frame k, and ffmpeg encodes behind in its own process.
 * Memory is bounded: LOOKAHEAD + 2 pooled frames, the writer's few buffers.
 */
export class RenderLoop {
  private stopping = false;
  /** The writer, once the first frame opened it; the caller closes it, also after a failure. */
  writer: FrameWriter | null = null;

  constructor(private readonly options: RenderLoopOptions) {
    // A matte stays valid for MATTE_RING further runs; the loop holds LOOKAHEAD of them.
    if (LOOKAHEAD >= MATTE_RING) throw new RangeError('lookahead must be below the matte ring');
  }

  /** Reads no further frame; those in flight are finished and written. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<LoopResult> {
    const { input, engine, compositor, chain, matteOnly } = this.options;
    const pool = new FramePool(input.width, input.height, LOOKAHEAD + 2);
    const timings: LoopTimings = { readWaitMs: 0, matteWaitMs: 0, compositeMs: 0, writeMs: 0, wallMs: 0 };
    const pending: Pending[] = [];
    const grayBuffer = matteOnly ? new Uint8Array(input.width * input.height) : null;
    let decodeError: DecodeError | null = null;
    let frames = 0;
    let seq = 0;
    const started = nowMs();

    const readNext = async (): Promise<{ frame: Frame; pts: number } | null> => {
      const frame = pool.acquire(seq, nowMs());
      if (!frame) throw new Error('render: frame pool exhausted');
      try {
        const pts = await input.read(frame.rgba);
        if (pts === null) {
          frame.release();
          return null;
        }
        seq++;
        return { frame, pts };
      } catch (err) {
        frame.release();
        throw err;
      }
    };
    const handled = <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => undefined);
      return promise;
    };

    let reading: Promise<{ frame: Frame; pts: number } | null> | null = handled(readNext());
    const fill = async () => {
      while (reading && pending.length < LOOKAHEAD) {
        const t = nowMs();
        let next: { frame: Frame; pts: number } | null;
        try {
          next = await reading;
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          decodeError = err;
          next = null;
        } finally {
          timings.readWaitMs += nowMs() - t;
        }
        if (!next || this.stopping) {
          next?.frame.release();
          reading = null;
          break;
        }
        pending.push({ frame: next.frame, pts: next.pts, matte: handled(engine.run(next.frame)) });
        reading = handled(readNext());
      }
    };

    try {
      await fill();
      while (pending.length > 0) {
        const head = pending.shift()!;
        let t = nowMs();
        let matte: Matte;
        try {
          matte = await head.matte;
        } catch (err) {
          head.frame.release();
          throw err;
        }
        timings.matteWaitMs += nowMs() - t;
        t = nowMs();
        let pixels: Uint8Array;
        if (grayBuffer) {
          if (matte.empty) grayBuffer.fill(0);
          else guidedUpsample({ values: matte.alpha, width: matte.width, height: matte.height, roi: matte.roi }, head.frame.rgba, input.width, input.height, grayBuffer);
          pixels = grayBuffer;
        } else {
          if (!compositor) throw new Error('render: no compositor');
          pixels = compositor.composite(head.frame, matte, chain).rgba;
        }
        head.frame.release();
        timings.compositeMs += nowMs() - t;
        t = nowMs();
        this.writer ??= await this.options.openWriter();
        await this.writer.write(pixels, head.pts, frames);
        timings.writeMs += nowMs() - t;
        frames++;
        this.options.onFrame?.(frames);
        await fill();
      }
    } finally {
      for (const p of pending.splice(0)) {
        await p.matte.catch(() => undefined);
        p.frame.release();
      }
      if (reading) {
        const left = await (reading as Promise<{ frame: Frame } | null>).catch(() => null);
        left?.frame.release();
      }
      timings.wallMs = nowMs() - started;
    }
    return { frames, stopped: this.stopping, decodeError, timings };
  }
}
