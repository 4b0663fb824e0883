import type { Readable } from 'node:stream';

/**
 * Reads fixed-size frames from a byte stream (ffmpeg's stdout) straight into caller buffers.
 * Chunks are queued as they arrive and the stream is paused once two frames are buffered, so a
 * slow pipeline back-pressures ffmpeg instead of growing memory.
 */
export class StreamFrameReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: Error | null = null;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly stream: Readable,
    private readonly frameBytes: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= 2 * this.frameBytes) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (err: Error) => {
      this.error = err;
      this.notify();
    });
  }

  /** Fills `target` with the next frame; false when the stream ended before a whole frame. */
  async read(target: Uint8Array): Promise<boolean> {
    while (this.buffered < this.frameBytes) {
      if (this.error) throw this.error;
      if (this.ended) return false;
      this.stream.resume();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    let filled = 0;
    while (filled < this.frameBytes) {
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length, this.frameBytes - filled);
      target.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    this.buffered -= this.frameBytes;
    if (this.buffered < 2 * this.frameBytes) this.stream.resume();
    return true;
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
