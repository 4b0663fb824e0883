import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { logger } from '../../log.js';
import { nowMs, type OutputFrame, type VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';

const log = logger('stream');

/**
 * How many frames a reader may be ahead of its declared frame rate. The stream carries no
 * timestamps: the reader (OBS's ffmpeg_source, ffmpeg) numbers frames at the declared rate and
 * OBS plays them on that clock, so a writer running faster than declared builds up latency
 * inside OBS (measured: ~35 frames at twice the rate). Two frames of credit absorb scheduling
 * jitter without letting that queue grow.
 */
const PACING_BURST_FRAMES = 2;
/** A reader with more than this many whole frames still unsent in its socket skips frames. */
const MAX_QUEUED_FRAMES_PER_READER = 1;
const DEFAULT_FPS = 30;

export interface NetworkStreamSinkOptions {
  /** Interface to listen on; 127.0.0.1 unless told otherwise (the stream is unauthenticated). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one, see `url` after open(). */
  port?: number;
}

export interface NetworkStreamStats {
  readers: number;
  framesSent: number;
  /** Frames a reader did not get because it was slow or ahead of the declared rate. */
  framesSkipped: number;
}

interface NetworkStreamSinkEvents {
  /** The stream's frame size or rate changed; readers were disconnected and must reopen it. */
  format: [VideoFormat];
  readers: [number];
}

interface Reader {
  readonly socket: Socket;
  /** Unsent whole frames in the socket's buffer. */
  queued: number;
  credit: number;
  lastCreditMs: number;
}

/**
 * Serves the composited video as raw RGBA frames over TCP on 127.0.0.1, for OBS's
 * ffmpeg_source (input_format "rawvideo", options video_size/pixel_format/framerate; see
 * `ffmpegInputOptions()`). Raw frames cost no encoding, add no codec delay and keep pixels
 * exact; the loopback interface carries 720p30 RGBA (110 MB/s) easily. docs/obs-bridge.md has
 * the measurements behind this choice.
 *
 * Every connection gets whole frames from the next one on, so a reader that (re)connects is
 * aligned at once. write() copies the frame and returns: a slow, stalled or absent reader
 * skips frames and never holds up the pipeline.
 */
export class NetworkStreamSink extends EventEmitter<NetworkStreamSinkEvents> implements FrameSink {
  readonly description: string;
  private server: Server | null = null;
  private listening: Promise<void> | null = null;
  private readonly readers = new Set<Reader>();
  private current: VideoFormat | null = null;
  private readonly freeBuffers: Buffer[] = [];
  private buffersInFlight = 0;
  private sent = 0;
  private skipped = 0;

  constructor(private readonly options: NetworkStreamSinkOptions = {}) {
    super();
    this.description = `network stream (raw RGBA over TCP on ${options.host ?? '127.0.0.1'})`;
  }

  /** tcp://HOST:PORT; available once open() resolved. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('network stream sink is not open yet: call open() first');
    return `tcp://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** The stream's current format, or null before the first frame of a known size. */
  get format(): VideoFormat | null {
    return this.current ? { ...this.current } : null;
  }

  /** Options a reader needs to decode the stream, as ffmpeg AVOptions (OBS's "FFmpeg Options"). */
  ffmpegInputOptions(): Record<string, string> {
    const format = this.current;
    if (!format) throw new Error('network stream format is not known yet');
    return {
      video_size: `${format.width}x${format.height}`,
      pixel_format: 'rgba',
      framerate: String(format.fps),
    };
  }

  stats(): NetworkStreamStats {
    return { readers: this.readers.size, framesSent: this.sent, framesSkipped: this.skipped };
  }

  /**
   * Starts listening (once) and records the format. A zero-sized format (not known yet) is
   * learned from the first frame. Calling it again with another format restarts the readers.
   */
  async open(format: VideoFormat): Promise<void> {
    if (format.width > 0 && format.height > 0) this.setFormat(format);
    if (!this.listening) this.listening = this.listen();
    await this.listening;
  }

  async write(frame: OutputFrame): Promise<void> {
    const format = this.current;
    if (!format || format.width !== frame.width || format.height !== frame.height) {
      this.setFormat({ width: frame.width, height: frame.height, fps: format?.fps || DEFAULT_FPS });
    }
    if (this.readers.size === 0) return;
    const now = nowMs();
    const fps = this.current!.fps;
    const due: Reader[] = [];
    for (const reader of this.readers) {
      reader.credit = Math.min(PACING_BURST_FRAMES, reader.credit + ((now - reader.lastCreditMs) * fps) / 1000);
      reader.lastCreditMs = now;
      if (reader.credit >= 1 && reader.queued < MAX_QUEUED_FRAMES_PER_READER) due.push(reader);
      else this.skipped++;
    }
    if (due.length === 0) return;
    const buffer = this.takeBuffer(frame.rgba.byteLength);
    if (!buffer) {
      this.skipped += due.length;
      return;
    }
    buffer.set(frame.rgba);
    let pending = due.length;
    const done = () => {
      if (--pending === 0) this.returnBuffer(buffer);
    };
    for (const reader of due) {
      reader.credit -= 1;
      reader.queued++;
      this.sent++;
      reader.socket.write(buffer, () => {
        reader.queued--;
        done();
      });
    }
  }

  hasConsumers(): boolean {
    return this.readers.size > 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.listening = null;
    for (const reader of this.readers) reader.socket.destroy();
    this.readers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.addReader(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', (err) => log.error(`stream server: ${err.message}`));
        log.info(`serving the camera as raw RGBA on ${this.url}`);
        resolve();
      });
    });
  }

  private addReader(socket: Socket): void {
    const reader: Reader = { socket, queued: 0, credit: 1, lastCreditMs: nowMs() };
    this.readers.add(reader);
    log.debug(`reader connected from ${socket.remoteAddress}:${socket.remotePort} (${this.readers.size} reading)`);
    this.emit('readers', this.readers.size);
    // Readers send nothing we need; reading keeps a chatty client from filling our buffers.
    socket.on('data', () => {});
    socket.on('error', (err) => log.debug(`reader ${socket.remotePort}: ${err.message}`));
    socket.on('close', () => {
      if (!this.readers.delete(reader)) return;
      log.debug(`reader left (${this.readers.size} reading)`);
      this.emit('readers', this.readers.size);
    });
  }

  private setFormat(format: VideoFormat): void {
    const next = { width: format.width, height: format.height, fps: format.fps > 0 ? format.fps : DEFAULT_FPS };
    const previous = this.current;
    if (previous && previous.width === next.width && previous.height === next.height && previous.fps === next.fps) return;
    this.current = next;
    this.freeBuffers.length = 0;
    if (!previous) {
      this.emit('format', { ...next });
      return;
    }
    // A reader decodes with the size it was told when it connected: drop them all so each
    // reopens with the new options instead of reading misaligned frames.
    log.info(`stream format changed to ${next.width}x${next.height}@${next.fps}; readers must reconnect`);
    for (const reader of this.readers) reader.socket.destroy();
    this.emit('format', { ...next });
  }

  /** A reusable frame buffer, or null when every allowed buffer is still being sent. */
  private takeBuffer(bytes: number): Buffer | null {
    const buffer = this.freeBuffers.pop();
    if (buffer && buffer.byteLength === bytes) {
      this.buffersInFlight++;
      return buffer;
    }
    // Each reader holds at most MAX_QUEUED_FRAMES_PER_READER buffers, plus one being filled.
    if (this.buffersInFlight >= this.readers.size * MAX_QUEUED_FRAMES_PER_READER + 1) return null;
    this.buffersInFlight++;
    return Buffer.allocUnsafe(bytes);
  }

  private returnBuffer(buffer: Buffer): void {
    this.buffersInFlight--;
    if (this.current && buffer.byteLength === this.current.width * this.current.height * 4 && this.freeBuffers.length < 2) {
      this.freeBuffers.push(buffer);
    }
  }
}
