import type { Frame, Matte, Rect } from '../frame.js';
import { nowMs } from '../frame.js';
import { logger } from '../../log.js';
import type { MatteEngine } from './matte-engine.js';
import { type ProviderName, type ProviderRequest, defaultCpuThreads, providerChain, tensorRtCacheDir } from './execution-providers.js';
import { FaceCropTracker, faceBox, fullFrameRoi } from './face-crop.js';
import { averageMirrored, mirrorRowsInPlace } from './mirror.js';
import type { TensorInfo } from './inference-protocol.js';
import { ModelError } from './model-error.js';
import type { ModelDescription } from './model-manifest.js';
import { ModelSession } from './model-session.js';
import { alphaFromOutput, uncertaintyFromLogVariance } from './postprocess.js';
import { Preprocessor, type ResizeChoice, chooseResize } from './preprocess.js';
import { TemporalFilter } from './temporal-filter.js';

const log = logger('matte');

/**
 * Mattes handed out are reused: each stays valid until this many further run() calls have
 * resolved. A stage that keeps one longer must copy it.
 */
export const MATTE_RING = 4;

/** A matte needs at least this share of face pixels (alpha >= 0.5) not to count as "no face". */
const MIN_FACE_COVERAGE = 0.002;

export interface OnnxMatteEngineOptions {
  model: ModelDescription;
  provider: ProviderRequest;
  /** CPU intra-op threads; default defaultCpuThreads(). */
  threads?: number;
  faceCrop: boolean;
  temporal: boolean;
  /**
   * Also run each input mirrored left-right and average the two mattes before the temporal filter
   * (test-time flip averaging; offline renders: it doubles the inference). A still image's flip
   * averaging runs its whole chain, face crop and zoomed view, on the mirrored picture instead
   * (still-matte.ts); a video frame's must come before the temporal filter, on the same region.
   */
  flipAverage?: boolean;
  /** The resize implementation; default the native one when the addon loads. */
  resize?: ResizeChoice;
}

/** Where the time of the last run() went, in ms (the bench reads it). */
export interface MatteTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
  totalMs: number;
}

interface MatteSlot {
  alpha: Float32Array;
  uncertainty: Float32Array | null;
}

/**
 * The FaceMat student through onnxruntime: preprocessing (face-aware crop, resize and normalise
 * into a shared tensor), inference in a worker thread on the best provider that loads, then
 * alpha/uncertainty extraction and temporal filtering, at the model's resolution.
 */
export class OnnxMatteEngine implements MatteEngine {
  readonly description: string;
  readonly lastTimings: MatteTimings = { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0, totalMs: 0 };
  private readonly width: number;
  private readonly height: number;
  private readonly aspect: number;
  private readonly luma: Float32Array;
  private readonly ring: MatteSlot[];
  private ringNext = 0;
  /** The mirrored pass's matte, when flip averaging. */
  private readonly mirrored: MatteSlot | null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly model: ModelDescription,
    private readonly session: ModelSession,
    private readonly input: Float32Array,
    private readonly alphaOut: Float32Array,
    private readonly logVarianceOut: Float32Array | null,
    private readonly preprocessor: Preprocessor,
    private readonly crop: FaceCropTracker | null,
    private readonly temporal: TemporalFilter | null,
    flipAverage: boolean,
    threads: number,
  ) {
    const { input: spec, name, version } = model.manifest;
    this.width = spec.width;
    this.height = spec.height;
    this.aspect = spec.width / spec.height;
    this.luma = new Float32Array(spec.width * spec.height);
    const newSlot = (): MatteSlot => ({
      alpha: new Float32Array(spec.width * spec.height),
      uncertainty: logVarianceOut ? new Float32Array(spec.width * spec.height) : null,
    });
    this.ring = Array.from({ length: MATTE_RING }, newSlot);
    this.mirrored = flipAverage ? newSlot() : null;
    const where = session.provider === 'cpu' ? `cpu (${threads} thread${threads === 1 ? '' : 's'})` : session.provider;
    this.description = `${name} ${version} ${spec.width}x${spec.height} on ${where}`;
  }

  /**
   * Opens `options.model` on the first provider of the requested chain that loads it, and checks
   * the graph against the manifest. Throws ModelError (naming the file) when the model cannot load
   * on any provider or does not match its manifest.
   */
  static async open(options: OnnxMatteEngineOptions): Promise<OnnxMatteEngine> {
    const { model } = options;
    const { manifest } = model;
    const threads = options.threads ?? defaultCpuThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer (got ${threads})`);
    const probing = options.provider === 'auto';
    let session: ModelSession;
    try {
      session = await ModelSession.open({
        modelPath: model.modelPath,
        providers: providerChain(options.provider),
        threads,
        trtCacheDir: tensorRtCacheDir(),
        label: `${manifest.name} ${manifest.version}`,
        log,
        probing,
      });
    } catch (err) {
      throw new ModelError(model.modelPath, `onnxruntime cannot load it (truncated or not an ONNX model?): ${(err as Error).message}`);
    }
    try {
      checkGraph(model, session.inputs, session.outputs);
      const { width, height } = manifest.input;
      const outputs = [model.alpha, ...(model.logVariance ? [model.logVariance] : [])].map((o) => ({ name: o.name, shape: [1, 1, height, width] }));
      const bound = await session.bind({ name: manifest.input.name, shape: [1, 3, height, width] }, outputs);
      const preprocessor = new Preprocessor(manifest.input, options.resize ?? chooseResize());
      const engine = new OnnxMatteEngine(
        model,
        session,
        bound.input,
        bound.outputs.get(model.alpha.name)!,
        model.logVariance ? bound.outputs.get(model.logVariance.name)! : null,
        preprocessor,
        options.faceCrop ? new FaceCropTracker(width, height) : null,
        options.temporal ? new TemporalFilter(width, height) : null,
        options.flipAverage ?? false,
        threads,
      );
      const resizeNote = preprocessor.fallbackReason;
      const skippedNote = session.skipped.length
        ? ` (${session.skipped.join(' and ')} not available${probing ? '; FACEMAT_LOG=debug says why' : ''})`
        : '';
      log.info(
        `matting with ${engine.description}${skippedNote}; preprocessing: ${preprocessor.implementation}${resizeNote ? ` (${resizeNote})` : ''}; ` +
          `face crop ${options.faceCrop ? 'on' : 'off'}, temporal filter ${options.temporal ? 'on' : 'off'}` +
          (options.flipAverage ? ', flip averaging on' : ''),
      );
      return engine;
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  /** The execution provider really in use. */
  get provider(): ProviderName {
    return this.session.provider;
  }

  get preprocessing(): 'native' | 'typescript' {
    return this.preprocessor.implementation;
  }

  get modelDescription(): ModelDescription {
    return this.model;
  }

  /** Runs are serialised: the tensors are shared, and the temporal filter needs frame order. */
  run(frame: Frame, roi?: Rect): Promise<Matte> {
    if (this.closed) return Promise.reject(new Error('matte engine is closed'));
    const result = this.queue.then(() => this.runNow(frame, roi));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.session.close();
  }

  private async runNow(frame: Frame, requested: Rect | undefined): Promise<Matte> {
    const started = nowMs();
    const roi: Rect = requested ?? (this.crop ? this.crop.roiFor(frame.width, frame.height) : fullFrameRoi(frame.width, frame.height, this.aspect));
    this.preprocessor.run(frame.rgba, frame.width, frame.height, roi, this.input);
    const preprocessed = nowMs();
    await this.session.run();
    const inferred = nowMs();

    const slot = this.ring[this.ringNext];
    this.ringNext = (this.ringNext + 1) % MATTE_RING;
    this.readOutputs(slot);
    const mirroredMs = this.mirrored ? await this.averageMirroredPass(slot, this.mirrored) : 0;
    if (this.temporal) {
      this.preprocessor.luma(this.input, this.luma);
      this.temporal.apply(slot.alpha, slot.uncertainty, this.luma, roi);
    }
    const box = faceBox(slot.alpha, this.width, this.height);
    // A caller's roi is a one-off: the tracker follows only the frames it framed itself.
    if (!requested) this.crop?.update(box, this.width, this.height, roi);
    const done = nowMs();

    this.lastTimings.preprocessMs = preprocessed - started;
    this.lastTimings.inferenceMs = inferred - preprocessed + mirroredMs;
    this.lastTimings.postprocessMs = done - inferred - mirroredMs;
    this.lastTimings.totalMs = done - started;
    return {
      seq: frame.seq,
      captureMs: frame.captureMs,
      width: this.width,
      height: this.height,
      alpha: slot.alpha,
      uncertainty: slot.uncertainty,
      roi,
      empty: box.count < MIN_FACE_COVERAGE * this.width * this.height,
    };
  }

  /** The session's outputs as alpha and uncertainty in [0,1]. */
  private readOutputs(into: MatteSlot): void {
    alphaFromOutput(this.alphaOut, this.model.alpha.range, into.alpha);
    if (into.uncertainty && this.logVarianceOut) uncertaintyFromLogVariance(this.logVarianceOut, into.uncertainty);
  }

  /**
   * The model on the mirrored input tensor; its matte mirrored back and averaged into `slot`. The
   * tensor is mirrored back afterwards: the temporal filter reads its luma. Returns the ms the
   * inference took.
   */
  private async averageMirroredPass(slot: MatteSlot, mirrored: MatteSlot): Promise<number> {
    const { width, height } = this;
    mirrorRowsInPlace(this.input, width, 3 * height);
    const started = nowMs();
    try {
      await this.session.run();
    } finally {
      mirrorRowsInPlace(this.input, width, 3 * height);
    }
    const inferenceMs = nowMs() - started;
    this.readOutputs(mirrored);
    averageMirrored(slot.alpha, mirrored.alpha, width, height);
    if (slot.uncertainty && mirrored.uncertainty) averageMirrored(slot.uncertainty, mirrored.uncertainty, width, height);
    return inferenceMs;
  }
}

/** The graph must take one float32 [1,3,H,W] input and give [1,1,H,W] outputs as the manifest says. */
function checkGraph(model: ModelDescription, inputs: TensorInfo[], outputs: TensorInfo[]): void {
  const { manifest, modelPath, manifestPath } = model;
  const { width, height } = manifest.input;
  const fail = (problem: string): never => {
    throw new ModelError(modelPath, `${problem} (manifest ${manifestPath})`);
  };
  const shown = (shape: (number | string)[]) => shape.map((d) => (typeof d === 'number' ? String(d) : d || '?')).join('x');
  const fits = (shape: (number | string)[], expected: number[]) =>
    shape.length === expected.length && shape.every((d, i) => typeof d !== 'number' || d === expected[i]);

  if (inputs.length !== 1) fail(`the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); the engine feeds exactly one`);
  const input = inputs[0];
  if (input.name !== manifest.input.name) fail(`the graph's input is "${input.name}", the manifest says "${manifest.input.name}"`);
  if (input.type !== 'float32') fail(`input "${input.name}" is ${input.type}; the engine feeds float32`);
  if (!fits(input.shape, [1, 3, height, width])) {
    fail(`input "${input.name}" is ${shown(input.shape)} in the graph, but the manifest says 1x3x${height}x${width}`);
  }
  if (!manifest.input.dynamic && input.shape.some((d) => typeof d !== 'number')) {
    log.debug(`${modelPath}: the graph's input has symbolic dimensions; running it at the manifest's ${width}x${height}`);
  }
  for (const spec of manifest.outputs) {
    const output = outputs.find((o) => o.name === spec.name);
    if (!output) fail(`the graph has no output "${spec.name}" (it has ${outputs.map((o) => o.name).join(', ')})`);
    if (output!.type !== 'float32') fail(`output "${spec.name}" is ${output!.type}, not float32`);
    if (!fits(output!.shape, [1, 1, height, width])) {
      fail(`output "${spec.name}" is ${shown(output!.shape)} in the graph, but the engine needs 1x1x${height}x${width} (the input size)`);
    }
  }
}
