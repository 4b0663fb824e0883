import { join, resolve } from 'node:path';
import { packageRoot } from '../../config/paths.js';
import { logger } from '../../log.js';
import type { ProviderRequest } from './execution-providers.js';
import type { MatteEngine } from './matte-engine.js';
import { ModelError } from './model-error.js';
import { loadModelManifest } from './model-manifest.js';
import { OnnxMatteEngine } from './onnx-matte-engine.js';

export type { MatteEngine } from './matte-engine.js';
export { ModelError } from './model-error.js';
export { OnnxMatteEngine, MATTE_RING } from './onnx-matte-engine.js';
export { PROVIDER_REQUESTS, defaultCpuThreads, type ProviderRequest } from './execution-providers.js';
export { decodeImageFile, encodeGrayPng, type DecodedImage } from './image-file.js';
export { matteStill, type StillMatte } from './still-matte.js';
export { guidedUpsample } from './upsample.js';

const log = logger('matte');

/** The shipped model's manifest. */
export function defaultModelPath(): string {
  return join(packageRoot(), 'models', 'facemat-student.json');
}

export interface MatteEngineOptions {
  /** A model manifest (.json) or model (.onnx with its .json beside it); default the shipped one. */
  modelPath?: string;
  provider: ProviderRequest;
  /** CPU intra-op threads; default max(1, min(4, cores - 1)). */
  threads?: number;
  /** Run the model on a padded crop around the face found in the previous matte (default true). */
  faceCrop?: boolean;
  /** Blend with the previous matte where the frame is still (default true). */
  temporal?: boolean;
  /** Also matte each input mirrored and average the two (default false; twice the inference). */
  flipAverage?: boolean;
}

/**
 * The matting stage. A user model that cannot be used (manifest missing or invalid, truncated
 * file, graph not matching its manifest) is reported in one error line naming the file and the
 * problem, and the shipped model runs instead; a broken shipped model throws ModelError.
 */
export async function createMatteEngine(options: MatteEngineOptions): Promise<MatteEngine> {
  const shipped = defaultModelPath();
  const requested = options.modelPath ? resolve(options.modelPath) : shipped;
  const open = async (path: string) =>
    OnnxMatteEngine.open({
      model: await loadModelManifest(path),
      provider: options.provider,
      threads: options.threads,
      faceCrop: options.faceCrop ?? true,
      temporal: options.temporal ?? true,
      flipAverage: options.flipAverage ?? false,
    });
  try {
    return await open(requested);
  } catch (err) {
    if (!(err instanceof ModelError) || requested === shipped) throw err;
    log.error(`cannot use model ${err.message}; falling back to the shipped model ${shipped}`);
    return open(shipped);
  }
}
