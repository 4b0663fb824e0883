import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { FrameWriter } from './frame-writer.js';
import type { TimeBase } from './frame-input.js';
import { MatroskaRawWriter, TIMESTAMP_SCALE_NS } from './matroska-writer.js';
import { encoderArgs, type EncoderPlan } from './output-plan.js';

/** Frames handed to ffmpeg's pipe and not yet taken; the writer waits when this many are out. */
const IN_FLIGHT = 3;

/**
 * The encoding ffmpeg child: render writes a Matroska stream of raw frames, each with its
 * timestamp, into its stdin (see matroska-writer.ts); ffmpeg encodes them into the video file
 * and/or the PNG folder, with the input's audio. close() ends stdin and waits for ffmpeg to finish
 * the file (an mp4's moov is written then), so a render stopped early still leaves a playable file.
 */
export class VideoEncoder implements FrameWriter {
  readonly description: string;
  private child: ChildProcess | null = null;
  private readonly matroska: MatroskaRawWriter;
  private readonly buffers: Buffer[];
  private nextBuffer = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private stderr = '';
  private failure: Error | null = null;
  private exited: Promise<number | null> | null = null;

  constructor(private readonly plan: EncoderPlan) {
    const { video, pngDir } = plan.targets;
    this.description = [video?.path, pngDir].filter(Boolean).join(' and ');
    this.matroska = new MatroskaRawWriter(plan.width, plan.height, plan.pixelFormat);
    this.buffers = Array.from({ length: IN_FLIGHT }, () => Buffer.alloc(this.matroska.frameBytes));
  }

  async open(): Promise<void> {
    if (this.plan.targets.pngDir) mkdirSync(this.plan.targets.pngDir, { recursive: true });
    // Own process group: a Ctrl-C in the terminal reaches render only, which then closes the file.
    const child = spawn('ffmpeg', encoderArgs(this.plan), { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.stdin!.on('error', (err) => {
      this.failure ??= new Error(`ffmpeg writing ${this.description}: ${this.lastLine() || err.message}`);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start ffmpeg (is it installed?): ${err.message}`)));
    });
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    void this.exited.then((code) => {
      if (code !== 0) this.failure ??= new Error(`ffmpeg writing ${this.description} exited with ${code}: ${this.lastLine()}`);
    });
    this.child = child;
    child.stdin!.write(this.matroska.header());
  }

  async write(pixels: Uint8Array, pts: number, _index: number): Promise<void> {
    const child = this.child;
    if (!child) throw new Error(`${this.description} written before open or after close`);
    if (this.failure) throw this.failure;
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const buffer = this.buffers[this.nextBuffer];
    this.nextBuffer = (this.nextBuffer + 1) % IN_FLIGHT;
    buffer.set(pixels.subarray(0, buffer.length));
    child.stdin!.write(this.matroska.frameHeader(toMicroseconds(pts, this.plan.timeBase)));
    const written = new Promise<void>((resolve) => child.stdin!.write(buffer, () => resolve()));
    this.inFlight.add(written);
    void written.then(() => this.inFlight.delete(written));
  }

  /** Ends the stream and waits for ffmpeg to finish the files. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.stdin!.end();
    const code = await this.exited;
    if (code !== 0) throw this.failure ?? new Error(`ffmpeg writing ${this.description} exited with ${code}: ${this.lastLine()}`);
  }

  private lastLine(): string {
    return this.stderr.trim().split('\n').pop() ?? '';
  }
}

/** A pts in `timeBase` ticks as Matroska ticks (microseconds). */
export function toMicroseconds(pts: number, timeBase: TimeBase): number {
  return Math.round((pts * timeBase.num * 1e9) / timeBase.den / TIMESTAMP_SCALE_NS);
}
