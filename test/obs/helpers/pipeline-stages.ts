import type { OutputFrame, VideoFormat } from '../../../src/pipeline/frame.js';
import type { FrameSink } from '../../../src/pipeline/sink/frame-sink.js';
import type { FrameSource } from '../../../src/pipeline/source/frame-source.js';
import { FramePacer } from '../../../src/pipeline/source/frame-pacer.js';

/**
 * A camera that shows the same picture every frame (seeded random colour blocks), so any
 * difference in the output comes from the filters, not from motion.
 */
export class StillSource implements FrameSource {
  readonly description = 'still';
  image: Uint8Array | null = null;
  private pacer: FramePacer | null = null;

  async open(format: VideoFormat): Promise<VideoFormat> {
    const { width, height } = format;
    const image = new Uint8Array(width * height * 4);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    for (let by = 0; by < height; by += 4) {
      for (let bx = 0; bx < width; bx += 4) {
        const [r, g, b] = [random(), random(), random()];
        for (let y = by; y < Math.min(height, by + 4); y++) {
          for (let x = bx; x < Math.min(width, bx + 4); x++) image.set([r, g, b, 255], (y * width + x) * 4);
        }
      }
    }
    this.image = image;
    this.pacer = new FramePacer(format.fps);
    return { ...format };
  }

  async read(target: Uint8Array): Promise<number | null> {
    const t = await this.pacer!.wait();
    target.set(this.image!);
    return t;
  }

  async close(): Promise<void> {}
}

/** Keeps a copy of every frame written to it, between open() and close(). */
export class RecordingSink implements FrameSink {
  readonly description = 'recording';
  readonly frames: Uint8Array[] = [];
  opened = 0;
  closed = 0;
  private isOpen = false;

  async open(): Promise<void> {
    this.opened++;
    this.isOpen = true;
  }

  async write(frame: OutputFrame): Promise<void> {
    if (!this.isOpen) throw new Error('recording sink written while closed');
    this.frames.push(frame.rgba.slice());
  }

  hasConsumers(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.closed++;
    this.isOpen = false;
  }
}

/** Fraction of bytes that differ between two frames. */
export function difference(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n / a.length;
}
