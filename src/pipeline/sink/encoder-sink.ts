import { spawn, ChildProcess } from 'node:child_process';
import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';

export type EncoderKind = 'y4m' | 'mp4';

const CODEC_ARGS: Record<EncoderKind, string[]> = {
  // Uncompressed 4:2:0: exact frames for tests and for piping into other tools.
  y4m: ['-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe'],
  // Fast H.264 that every player opens.
  mp4: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4'],
};

/**
 * Writes frames to a file through an ffmpeg child (y4m or H.264 mp4). Each frame is copied into
 * the sink's own buffer before write() returns, and the next one is taken once ffmpeg's pipe
 * accepted it.
 */
export class EncoderSink implements FrameSink {
  readonly description: string;
  readonly lossless = true;
  private child: ChildProcess | null = null;
  private buffer: Buffer | null = null;
  private stderr = '';
  private failure: Error | null = null;

  constructor(
    private readonly kind: EncoderKind,
    private readonly path: string,
  ) {
    this.description = `${kind}:${path}`;
  }

  async open(format: VideoFormat): Promise<void> {
    const { width, height, fps } = format;
    const args = [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
      ...CODEC_ARGS[this.kind], this.path,
    ];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    child.stdin!.on('error', (err) => {
      this.failure ??= new Error(`${this.description}: ${this.stderr.trim() || err.message}`);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start ffmpeg for ${this.description}: ${err.message}`)));
    });
    child.once('exit', (code) => {
      if (this.child === child && code !== 0) this.failure ??= new Error(`${this.description}: ffmpeg exited with ${code}: ${this.stderr.trim()}`);
    });
    this.child = child;
    this.buffer = Buffer.alloc(width * height * 4);
  }

  write(frame: OutputFrame): Promise<void> {
    const child = this.child;
    const buffer = this.buffer;
    if (!child || !buffer) return Promise.reject(new Error(`${this.description} written before open`));
    if (this.failure) return Promise.reject(this.failure);
    buffer.set(frame.rgba);
    return new Promise((resolve, reject) => {
      child.stdin!.write(buffer, (err) => (err ? reject(this.failure ?? err) : resolve()));
    });
  }

  hasConsumers(): boolean {
    return true;
  }

  /** Ends the stream and waits for ffmpeg to finish the file. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('close', (code) => resolve(code));
    });
    child.stdin!.end();
    const code = await exited;
    if (code !== 0 && !this.failure) throw new Error(`${this.description}: ffmpeg exited with ${code}: ${this.stderr.trim()}`);
  }
}
