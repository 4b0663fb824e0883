import type { VideoFormat } from '../frame.js';
import type { FrameSource } from './frame-source.js';
import { nowMs } from '../frame.js';
import { FramePacer } from './frame-pacer.js';

/**
 * A camera without hardware: a face-like oval (skin tone, eyes, brows, mouth) on a gradient,
 * swaying from side to side, with a hand-like bar crossing it. The scene is drawn once on a
 * canvas wider than the frame and each frame copies a moving window of it, so a frame costs
 * one row-by-row copy: the synthetic source measures the pipeline, not itself.
 */
export class SyntheticSource implements FrameSource {
  readonly description = 'synthetic';
  private format: VideoFormat | null = null;
  private canvas: Uint8Array | null = null;
  private canvasWidth = 0;
  private pacer: FramePacer | null = null;
  private frameIndex = 0;

  constructor(private readonly paced = true) {}

  async open(requested: VideoFormat): Promise<VideoFormat> {
    this.format = { ...requested };
    this.canvasWidth = Math.round(requested.width * 1.3);
    this.canvas = drawScene(this.canvasWidth, requested.height);
    this.pacer = this.paced ? new FramePacer(requested.fps) : null;
    this.frameIndex = 0;
    return this.format;
  }

  async read(target: Uint8Array): Promise<number | null> {
    const format = this.format;
    if (!format || !this.canvas) throw new Error('synthetic source read before open');
    // Unpaced, still give the event loop a turn: a source that always resolves at once would
    // starve the matte worker's messages and the sinks' callbacks.
    const captureMs = this.pacer ? await this.pacer.wait() : await new Promise<number>((resolve) => setImmediate(() => resolve(nowMs())));
    const { width, height, fps } = format;
    const t = this.frameIndex++ / fps;
    const span = this.canvasWidth - width;
    const offset = Math.round((span / 2) * (1 + Math.sin(t * 1.3)));
    const rowBytes = width * 4;
    const canvasRow = this.canvasWidth * 4;
    for (let y = 0; y < height; y++) {
      const from = y * canvasRow + offset * 4;
      target.set(this.canvas.subarray(from, from + rowBytes), y * rowBytes);
    }
    return captureMs;
  }

  async close(): Promise<void> {
    this.canvas = null;
    this.format = null;
  }
}

function drawScene(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const cx = width / 2;
  const cy = height * 0.48;
  const rx = height * 0.2;
  const ry = height * 0.27;
  const handX = cx + rx * 0.35;
  const handW = rx * 0.45;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let r = 50 + (60 * x) / width;
      let g = 70 + (40 * y) / height;
      let b = 110 - (30 * x) / width;
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      if (dx * dx + dy * dy <= 1) {
        [r, g, b] = [222, 178, 150];
        const eye = (ex: number) => ((x - ex) / (rx * 0.14)) ** 2 + ((y - (cy - ry * 0.15)) / (ry * 0.06)) ** 2 <= 1;
        if (eye(cx - rx * 0.38) || eye(cx + rx * 0.38)) [r, g, b] = [40, 30, 30];
        const brow = Math.abs(y - (cy - ry * 0.32)) < ry * 0.03 && Math.abs(Math.abs(x - cx) - rx * 0.38) < rx * 0.2;
        if (brow) [r, g, b] = [70, 50, 40];
        const mouth = ((x - cx) / (rx * 0.35)) ** 2 + ((y - (cy + ry * 0.45)) / (ry * 0.07)) ** 2 <= 1;
        if (mouth) [r, g, b] = [170, 70, 80];
      }
      if (Math.abs(x - handX) < handW / 2 && y > cy - ry * 0.2) [r, g, b] = [205, 150, 120];
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}
