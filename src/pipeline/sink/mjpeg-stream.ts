import type { IncomingMessage, ServerResponse } from 'node:http';
import { nowMs, type OutputFrame } from '../frame.js';
import { downscaleRgba } from './frame-downscale.js';
import type { JpegEncoder } from './jpeg-encoder.js';

export interface MjpegStreamOptions {
  encoder: JpegEncoder;
  /** Frames wider than this are box-filtered down by a whole factor first (default 640). */
  maxWidth?: number;
  /** JPEG quality 1..100 (default 70). */
  quality?: number;
  /** At most this many frames a second are encoded (default 15 native, 8 with the JS encoder). */
  maxFps?: number;
}

export interface MjpegStats {
  clients: number;
  encoded: number;
  /** Frames not encoded because they came faster than maxFps. */
  skippedRate: number;
  /** Encoded frames not sent to a client that had not taken the previous one yet. */
  skippedSlowClient: number;
  encoder: string;
}

const BOUNDARY = 'facemat-frame';

/**
 * One encoded preview broadcast to many HTTP clients as multipart/x-mixed-replace (MJPEG), which
 * every browser shows in a plain <img>. Frames are encoded once, only while someone watches, at
 * most maxFps a second; a client whose socket still holds the previous frame skips this one, so a
 * slow browser loses frames instead of slowing the pipeline or buffering without bound.
 */
export class MjpegStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly snapshotWaiters = new Set<(jpeg: Buffer) => void>();
  private readonly maxWidth: number;
  private readonly quality: number;
  private readonly minIntervalMs: number;
  private latest: { jpeg: Buffer; seq: number; atMs: number } | null = null;
  private lastEncodeMs = -Infinity;
  private scratch: Uint8Array | undefined;
  private closed = false;
  private readonly counters = { encoded: 0, skippedRate: 0, skippedSlowClient: 0 };

  constructor(private readonly options: MjpegStreamOptions) {
    this.maxWidth = options.maxWidth ?? 640;
    this.quality = options.quality ?? 70;
    this.minIntervalMs = 1000 / (options.maxFps ?? 15);
  }

  /** True while a browser watches the stream or a snapshot is awaited. */
  hasConsumers(): boolean {
    return this.clients.size > 0 || this.snapshotWaiters.size > 0;
  }

  stats(): MjpegStats {
    return { clients: this.clients.size, ...this.counters, encoder: this.options.encoder.detail };
  }

  /** Turns `res` into an endless MJPEG response; the latest frame goes out at once. */
  addClient(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('preview closed\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-store, no-cache, must-revalidate',
      Pragma: 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Send the headers now: a client waits for them, and the first frame may take a while.
    res.flushHeaders();
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (this.latest) this.send(res, this.latest.jpeg, this.latest.seq);
  }

  /**
   * The current frame as one JPEG: the latest encoded one when recent, otherwise the next frame
   * the pipeline offers. Resolves null if none arrives within timeoutMs.
   */
  snapshot(timeoutMs = 2000): Promise<Buffer | null> {
    if (this.latest && nowMs() - this.latest.atMs <= 2 * this.minIntervalMs) return Promise.resolve(this.latest.jpeg);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (jpeg: Buffer | null) => {
        clearTimeout(timer);
        this.snapshotWaiters.delete(waiter);
        resolve(jpeg);
      };
      const waiter = (jpeg: Buffer) => done(jpeg);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.snapshotWaiters.add(waiter);
    });
  }

  /** Takes one pipeline frame; copies what it needs before returning, so the buffer may be reused. */
  offer(frame: OutputFrame): void {
    if (this.closed || !this.hasConsumers()) return;
    const now = nowMs();
    if (now - this.lastEncodeMs < this.minIntervalMs) {
      this.counters.skippedRate++;
      return;
    }
    this.lastEncodeMs = now;
    const small = downscaleRgba(frame, this.maxWidth, this.scratch);
    if (small.rgba.buffer !== this.scratch?.buffer) this.scratch = small.rgba;
    const jpeg = this.options.encoder.encode(small.rgba, small.width, small.height, this.quality);
    this.counters.encoded++;
    this.latest = { jpeg, seq: frame.seq, atMs: now };
    for (const res of this.clients) {
      // Anything still queued in user space means the client has not taken the last frame.
      if (res.writableLength > 0) this.counters.skippedSlowClient++;
      else this.send(res, jpeg, frame.seq);
    }
    for (const waiter of [...this.snapshotWaiters]) waiter(jpeg);
  }

  /** Ends every client response; later clients get 503. */
  close(): void {
    this.closed = true;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private send(res: ServerResponse, jpeg: Buffer, seq: number): void {
    res.cork();
    res.write(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Frame-Seq: ${seq}\r\n\r\n`);
    res.write(jpeg);
    res.write('\r\n');
    process.nextTick(() => res.uncork());
  }
}
