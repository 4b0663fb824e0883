import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { cacheDir } from '../../config/paths.js';

/** What the user asks for with `--provider`. */
export type ProviderRequest = 'auto' | 'tensorrt' | 'cuda' | 'cpu';
/** An onnxruntime execution provider the engine can run on. */
export type ProviderName = 'tensorrt' | 'cuda' | 'cpu';

export const PROVIDER_REQUESTS: readonly ProviderRequest[] = ['auto', 'tensorrt', 'cuda', 'cpu'];

/**
 * The providers to try, in order. onnxruntime-node throws when a provider's libraries are missing
 * instead of falling back, so the engine walks this list itself. An explicit GPU request still
 * ends in CPU: a camera that runs slowly beats one that does not start (the log says why).
 */
export function providerChain(request: ProviderRequest): ProviderName[] {
  switch (request) {
    case 'auto':
      return ['tensorrt', 'cuda', 'cpu'];
    case 'tensorrt':
      return ['tensorrt', 'cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'cpu':
      return ['cpu'];
  }
}

/**
 * Intra-op threads for the CPU provider in a live pipeline: one core is left to capture and
 * compositing (which run at the same time on the main thread and in llvmpipe), and more than four
 * threads buy nothing for a net of about 0.2 GMAC (synchronisation costs more than the work split).
 * So 1 thread on 2 cores, 3 on 4, 4 on 6 and more. `--threads` overrides it.
 */
export function defaultCpuThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** Where TensorRT keeps its built engines, so only the first start pays the build. */
export function tensorRtCacheDir(): string {
  return join(cacheDir(), 'trt');
}

export interface SessionSettings {
  threads: number;
  trtCacheDir: string;
}

/**
 * Session options for one attempt on `provider`. GPU attempts list CPU last so that the few nodes a
 * GPU provider cannot take still run; CPU attempts never spin their idle threads (spinning burns
 * the core the compositor needs between frames).
 */
export function sessionOptionsFor(provider: ProviderName, settings: SessionSettings): InferenceSession.SessionOptions {
  const common: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    // 3 = errors only: onnxruntime otherwise prints its own colour-coded warnings on stderr.
    logSeverityLevel: 3,
  };
  switch (provider) {
    case 'cpu':
      return {
        ...common,
        executionProviders: ['cpu'],
        intraOpNumThreads: settings.threads,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      };
    case 'cuda':
      return { ...common, executionProviders: [{ name: 'cuda', deviceId: 0 }, 'cpu'], intraOpNumThreads: 1 };
    case 'tensorrt':
      return { ...common, executionProviders: [tensorRtProvider(settings.trtCacheDir), { name: 'cuda', deviceId: 0 }, 'cpu'], intraOpNumThreads: 1 };
  }
}

/** TensorRT provider options (the names onnxruntime documents for the TensorRT provider). */
function tensorRtOptions(trtCacheDir: string): Record<string, string | boolean> {
  return {
    trt_fp16_enable: true,
    trt_engine_cache_enable: true,
    trt_engine_cache_path: trtCacheDir,
    trt_timing_cache_enable: true,
    trt_timing_cache_path: trtCacheDir,
  };
}

function tensorRtProvider(trtCacheDir: string): InferenceSession.ExecutionProviderConfig {
  // onnxruntime-node 1.30's binding forwards only `deviceId` to TensorRT (it registers the provider
  // through the V2 options struct, which also makes the provider ignore ORT_TENSORRT_* variables),
  // so with 1.30 these keys are carried but not applied: FP16 and the engine cache need a binding
  // that forwards them. They are ignored, not rejected, so the same code is ready for one that does.
  const option = { name: 'tensorrt', deviceId: 0, ...tensorRtOptions(trtCacheDir) };
  return option as InferenceSession.ExecutionProviderConfig;
}
