import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { StreamFrameReader } from '../util/stream-frame-reader.js';
import { stopDecoder } from '../util/stop-decoder.js';
import type { AudioInfo, FrameInput, TimeBase } from './frame-input.js';
import { DecodeError, InputError } from './frame-input.js';
import { parseTimeBase, probeVideo, type VideoProbe } from './input-probe.js';

const SHOWINFO_FRAME = /\[Parsed_showinfo_\d+ @ [^\]]+\] \[info\] n:\s*(\d+) pts:\s*(-?\d+)/;
const SHOWINFO_CONFIG = /\[Parsed_showinfo_\d+ @ [^\]]+\] \[info\] config in time_base: (\d+\/\d+)/;
const PROBLEM = /\[(error|fatal|panic)\] (.*)$/;

/**
 * A video file decoded by an ffmpeg child to RGBA at its own size, every frame once, in
 * presentation order (`-fps_mode passthrough`: ffmpeg neither drops nor duplicates), each with
 * the pts it has in the file: ffmpeg's showinfo filter prints it to stderr as the frame goes by,
 * and frame n's pts is matched to the n-th frame read from stdout.
 */
export class VideoFileInput implements FrameInput {
  readonly description: string;
  width = 0;
  height = 0;
  timeBase: TimeBase = { num: 1, den: 1_000_000 };
  fps = 30;
  expectedFrames: { count: number; exact: boolean } | null = null;
  audio: AudioInfo | null = null;
  private probe: VideoProbe | null = null;
  private child: ChildProcess | null = null;
  private reader: StreamFrameReader | null = null;
  private readonly pts: number[] = [];
  private ptsWaiter: (() => void) | null = null;
  private stderrEnded = false;
  private stderrTail = '';
  private partialLine = '';
  private framesRead = 0;
  /** The first error ffmpeg printed and how many frames had been read when it came. */
  private problem: { message: string; framesReadThen: number } | null = null;
  private exited: Promise<number | null> | null = null;

  constructor(private readonly path: string) {
    this.description = path;
  }

  async open(): Promise<void> {
    if (!existsSync(this.path)) throw new InputError(`no such file: ${this.path}`);
    if (statSync(this.path).isDirectory()) throw new InputError(`${this.path} is a folder without images`);
    const probe = await probeVideo(this.path);
    this.probe = probe;
    this.width = probe.width;
    this.height = probe.height;
    this.timeBase = probe.timeBase;
    this.fps = probe.fps;
    if (probe.declaredFrames) this.expectedFrames = { count: probe.declaredFrames, exact: true };
    else if (probe.duration) this.expectedFrames = { count: Math.max(1, Math.round(probe.duration * probe.fps)), exact: false };
    this.audio = probe.audioCodec ? { codec: probe.audioCodec, path: this.path } : null;

    const args = [
      '-nostdin', '-hide_banner', '-nostats', '-loglevel', 'level+info',
      '-i', this.path,
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', 'showinfo=checksum=0',
      '-fps_mode', 'passthrough',
      '-pix_fmt', 'rgba', '-f', 'rawvideo', 'pipe:1',
    ];
    // Own process group: a Ctrl-C in the terminal reaches render only, which ends ffmpeg itself.
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => this.onStderr(text));
    child.stderr!.on('end', () => {
      if (this.partialLine) this.onLine(this.partialLine);
      this.stderrEnded = true;
      this.notifyPts();
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new InputError(`cannot start ffmpeg (is it installed?): ${err.message}`)));
    });
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
    this.child = child;
    this.reader = new StreamFrameReader(child.stdout!, this.width * this.height * 4);
  }

  async read(target: Uint8Array): Promise<number | null> {
    if (!this.reader || !this.child) throw new Error(`${this.description} read before open`);
    const index = this.framesRead;
    if (!(await this.reader.read(target))) return this.finish();
    this.framesRead++;
    while (this.pts.length <= index && !this.stderrEnded) await new Promise<void>((resolve) => (this.ptsWaiter = resolve));
    if (this.pts.length > index) return this.pts[index];
    // ffmpeg said nothing about this frame (it always does): the frame rate's time.
    return index === 0 ? 0 : this.pts[this.pts.length - 1] + Math.round(this.timeBase.den / (this.timeBase.num * this.fps)) * (index - this.pts.length + 1);
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.reader = null;
    if (child) await stopDecoder(child);
  }

  /** The end of the stream: null when the whole file was decoded, else a DecodeError. */
  private async finish(): Promise<null> {
    const code = await this.exited;
    while (!this.stderrEnded) await new Promise<void>((resolve) => (this.ptsWaiter = resolve));
    const expected = this.probe?.declaredFrames ?? null;
    const got = this.framesRead;
    const reason = this.problem?.message ?? (this.stderrTail.trim().split('\n').pop() || `ffmpeg exited with code ${code}`);
    if (code !== 0) throw new DecodeError(reason, got, expected);
    if (expected !== null && got < expected) throw new DecodeError(this.problem?.message ?? 'the file ends early', got, expected);
    // An error after which no frame came (a truncated file without a frame count): it stopped
    // there. Frames still came long after it: ffmpeg concealed it; the frames are all out.
    const frameBytes = this.width * this.height * 4;
    const inFlight = 4 + Math.ceil(65536 / frameBytes);
    if (this.problem && (expected === null || got < expected) && this.problem.framesReadThen >= got - inFlight) {
      throw new DecodeError(this.problem.message, got, expected);
    }
    return null;
  }

  private onStderr(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    const frame = SHOWINFO_FRAME.exec(line);
    if (frame) {
      this.pts.push(Number(frame[2]));
      this.notifyPts();
      return;
    }
    const config = SHOWINFO_CONFIG.exec(line);
    if (config) {
      this.timeBase = parseTimeBase(config[1]) ?? this.timeBase;
      return;
    }
    if (/\[info\]/.test(line) || /^\s/.test(line)) return;
    this.stderrTail = (this.stderrTail + line + '\n').slice(-2000);
    const problem = PROBLEM.exec(line);
    if (problem && !this.problem) this.problem = { message: problem[2].trim(), framesReadThen: this.framesRead };
  }

  private notifyPts(): void {
    const waiter = this.ptsWaiter;
    this.ptsWaiter = null;
    waiter?.();
  }
}
