import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMatteEngine, type MatteEngine } from '../pipeline/matte/index.js';
import { createCompositor, type Compositor } from '../pipeline/composite/index.js';
import { completeChain, startingChain } from '../pipeline/filter-settings/filter-chain.js';
import type { FilterInstance } from '../pipeline/filter-settings/filter-catalogue.js';
import { CameraInput } from './camera-input.js';
import type { DecodeError, FrameInput } from './frame-input.js';
import { InputError } from './frame-input.js';
import type { FrameWriter } from './frame-writer.js';
import { ImageInput, isImagePath } from './image-input.js';
import { outputTargets, type OutputTargets } from './output-plan.js';
import { PngFolderWriter } from './png-folder-writer.js';
import { ProgressReporter, type ProgressMode, type ProgressStream } from './progress-reporter.js';
import { RenderLoop, type LoopTimings } from './render-loop.js';
import type { RenderOptions } from './render-options.js';
import { VideoEncoder } from './video-encoder.js';
import { VideoFileInput } from './video-file-input.js';

export interface RenderSummary {
  frames: number;
  /** Frames the input was expected to have, when known. */
  expected: { count: number; exact: boolean } | null;
  stopped: boolean;
  /** The input failed after `frames` frames (they are written), or null. */
  decodeError: DecodeError | null;
  /** What was written, for the summary line: "out.mp4", "out.mp4 and frames/". */
  written: string;
  timings: LoopTimings;
  model: string;
}

/** The input a path or spec names: a camera, images, or a video file. */
export function createInput(options: RenderOptions): FrameInput {
  const { input } = options;
  if (input.startsWith('v4l2:')) {
    if (options.duration === null) throw new InputError(`a camera input needs --duration SECONDS`);
    const pixelFormat = options.inputFormat === 'auto' ? undefined : options.inputFormat;
    return new CameraInput(input.slice(5) || 'auto', { width: options.width, height: options.height, fps: options.fps }, options.duration, pixelFormat);
  }
  if (!existsSync(input)) throw new InputError(`no such file or folder: ${input}`);
  if (statSync(input).isDirectory() || isImagePath(input)) return new ImageInput(input, options.fps);
  return new VideoFileInput(input);
}

/** The filters render applies: the --filters list, or the preset's (none with --matte-only). */
export function renderChain(options: Pick<RenderOptions, 'matteOnly' | 'filters' | 'preset'>): FilterInstance[] {
  return options.matteOnly ? completeChain([]) : startingChain(options.preset, options.filters);
}

/**
 * One `facemat render`: opens the input, the model and the compositor, runs the ordered render
 * loop into the writer, and closes everything, leaving finished, playable files even when the
 * input fails part way or the render is stopped.
 */
export class Renderer {
  private loop: RenderLoop | null = null;
  private stopRequested = false;

  private constructor(
    private readonly options: RenderOptions,
    private readonly targets: OutputTargets,
    private readonly input: FrameInput,
    private readonly engine: MatteEngine,
    private readonly compositor: Compositor | null,
    private readonly progress: ProgressReporter,
  ) {}

  /** Throws InputError for an input that cannot be opened, OutputSpecError for a bad output. */
  static async open(options: RenderOptions, progress: { mode: ProgressMode; stream: ProgressStream }): Promise<Renderer> {
    const targets = outputTargets(options.output, options.png);
    for (const out of [targets.video?.path, targets.pngDir]) {
      if (out && !options.input.startsWith('v4l2:') && resolve(out) === resolve(options.input)) throw new InputError(`the output ${out} is the input`);
    }
    const input = createInput(options);
    await input.open();
    let engine: MatteEngine | null = null;
    try {
      engine = await createMatteEngine({
        modelPath: options.model ?? undefined,
        provider: options.provider,
        threads: options.threads ?? undefined,
        faceCrop: options.faceCrop,
        temporal: options.temporal,
        flipAverage: options.flipAverage,
      });
      // The matte alone needs no GL: it is upsampled on the CPU.
      const compositor = options.matteOnly ? null : createCompositor();
      await compositor?.open({ width: input.width, height: input.height, fps: input.fps });
      return new Renderer(options, targets, input, engine, compositor, new ProgressReporter(progress.stream, progress.mode, input.expectedFrames));
    } catch (err) {
      await engine?.close();
      await input.close();
      throw err;
    }
  }

  get description(): string {
    return `${this.input.description} (${this.input.width}x${this.input.height}${this.input.audio ? `, audio ${this.input.audio.codec}` : ''}) with ${this.engine.description}`;
  }

  /** Stops reading: the frames in flight are finished, the files closed. */
  stop(): void {
    this.stopRequested = true;
    this.loop?.stop();
  }

  async run(): Promise<RenderSummary> {
    const { options, input } = this;
    const loop = new RenderLoop({
      input,
      engine: this.engine,
      compositor: this.compositor,
      chain: renderChain(options),
      matteOnly: options.matteOnly,
      openWriter: () => this.openWriter(),
      onFrame: (frames) => this.progress.update(frames),
    });
    this.loop = loop;
    if (this.stopRequested) loop.stop();
    this.progress.start();
    let result;
    try {
      result = await loop.run();
    } finally {
      this.progress.finish();
      // Close the writer first: the file is finished and playable whatever else happens.
      try {
        await loop.writer?.close();
      } finally {
        await input.close();
        await this.engine.close();
        await this.compositor?.close();
      }
    }
    const { video, pngDir } = this.targets;
    return {
      frames: result.frames,
      expected: input.expectedFrames,
      stopped: result.stopped,
      decodeError: result.decodeError,
      written: [video?.path, pngDir].filter(Boolean).join(' and '),
      timings: result.timings,
      model: this.engine.description,
    };
  }

  private async openWriter(): Promise<FrameWriter> {
    const { input, options, targets } = this;
    const pixelFormat = options.matteOnly ? 'gray' : 'rgba';
    if (input instanceof ImageInput && !targets.video && targets.pngDir) {
      const writer = new PngFolderWriter(targets.pngDir, input.width, input.height, options.matteOnly, (i) => input.frameName(i));
      await writer.open();
      return writer;
    }
    const encoder = new VideoEncoder({
      targets,
      width: input.width,
      height: input.height,
      pixelFormat,
      timeBase: input.timeBase,
      fps: input.fps,
      audio: options.matteOnly ? null : input.audio,
      crf: options.crf,
    });
    await encoder.open();
    return encoder;
  }
}
