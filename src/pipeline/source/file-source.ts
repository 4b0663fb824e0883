import { spawn, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { VideoFormat } from '../frame.js';
import type { FrameSource } from './frame-source.js';
import { SourceFault } from './frame-source.js';
import { nowMs } from '../frame.js';
import { FramePacer } from './frame-pacer.js';
import { StreamFrameReader } from '../../util/stream-frame-reader.js';
import { exitCode, stopDecoder } from '../../util/stop-decoder.js';

export interface FileSourceOptions {
  /** Start again at the end, like a camera that never stops (default true). */
  loop?: boolean;
  /** Deliver frames at the fps, as a camera would (default true); false reads as fast as possible. */
  paced?: boolean;
}

/**
 * Any video ffmpeg reads, decoded by an ffmpeg child to RGBA at the requested size (letterboxed
 * to keep its aspect) and fps, delivered at the camera cadence.
 */
export class FileSource implements FrameSource {
  readonly description: string;
  private child: ChildProcess | null = null;
  private reader: StreamFrameReader | null = null;
  private stderr = '';
  private pacer: FramePacer | null = null;

  constructor(
    private readonly path: string,
    private readonly options: FileSourceOptions = {},
  ) {
    this.description = `file:${path}`;
  }

  async open(requested: VideoFormat): Promise<VideoFormat> {
    if (!existsSync(this.path)) throw new SourceFault(`video file not found: ${this.path}`, false);
    const { width, height, fps } = requested;
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
    if (this.options.loop ?? true) args.push('-stream_loop', '-1');
    args.push(
      '-i', this.path, '-an',
      '-vf', `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,fps=${fps}`,
      '-pix_fmt', 'rgba', '-f', 'rawvideo', 'pipe:1',
    );
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new SourceFault(`cannot start ffmpeg (is it installed?): ${err.message}`, false)));
    });
    this.child = child;
    this.reader = new StreamFrameReader(child.stdout!, width * height * 4);
    this.pacer = (this.options.paced ?? true) ? new FramePacer(fps) : null;
    return { width, height, fps };
  }

  async read(target: Uint8Array): Promise<number | null> {
    if (!this.reader || !this.child) throw new Error(`${this.description} read before open`);
    const ok = await this.reader.read(target);
    if (!ok) {
      const code = await exitCode(this.child);
      if (code !== 0) {
        const why = this.stderr.trim().split('\n').pop() || `ffmpeg exited with code ${code}`;
        throw new SourceFault(`cannot decode ${this.path}: ${why}`, false);
      }
      return null;
    }
    return this.pacer ? this.pacer.wait() : nowMs();
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.reader = null;
    if (child) await stopDecoder(child);
  }
}
