import type { ProviderName } from './execution-providers.js';

/**
 * Messages between the engine (main thread) and its inference worker. onnxruntime-node 1.30 runs
 * `session.run()` on the calling JS thread, so the session lives in a worker thread to keep the
 * event loop (capture, compositing, control) free while the model runs; tensors cross over in
 * SharedArrayBuffers allocated once.
 */
export interface InferenceWorkerSetup {
  modelPath: string;
  providers: ProviderName[];
  threads: number;
  trtCacheDir: string;
}

/** A graph input or output as onnxruntime reports it (symbolic dimensions are strings). */
export interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export interface SharedTensor {
  name: string;
  shape: number[];
  buffer: SharedArrayBuffer;
}

export type ToWorker =
  | { type: 'bind'; input: SharedTensor; outputs: SharedTensor[] }
  | { type: 'run'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'attempt'; provider: ProviderName }
  | { type: 'skipped'; provider: ProviderName; reason: string }
  | { type: 'ready'; provider: ProviderName; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | { type: 'failed'; reason: string }
  | { type: 'bound' }
  | { type: 'done'; id: number; ms: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed' };
