import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { ProviderName } from './execution-providers.js';
import type { FromWorker, InferenceWorkerSetup, SharedTensor, TensorInfo, ToWorker } from './inference-protocol.js';

/** How often a slow provider start (a TensorRT engine build) reports that it is still working. */
const PROGRESS_INTERVAL_MS = 3000;

/** onnxruntime's reason when a provider's libraries are absent: the normal case on a machine without a GPU. */
function librariesMissing(reason: string): boolean {
  return /failed to load (shared )?library|cannot open shared object/i.test(reason);
}

/** Why a provider could not start, in words a user can act on; onnxruntime's own text follows. */
function explainSkip(provider: ProviderName, reason: string): string {
  if (librariesMissing(reason)) {
    return (
      `its libraries are not installed or cannot load (onnxruntime-node fetches the CUDA/TensorRT providers at install ` +
      `time only with network access and without ONNXRUNTIME_NODE_INSTALL=skip, and they need the NVIDIA driver, CUDA 12 and cuDNN 9` +
      `${provider === 'tensorrt' ? ' and TensorRT 10' : ''}); onnxruntime said: ${reason}`
    );
  }
  return `onnxruntime said: ${reason}`;
}

export interface ModelSessionOptions extends InferenceWorkerSetup {
  /** Short model name for progress lines. */
  label: string;
  log: Logger;
  /**
   * The providers are probed (`--provider auto`): a GPU provider whose libraries are absent is
   * expected on a machine without a GPU, so its skip is logged at debug level instead of as a
   * warning (a provider that is installed but fails is still a warning). The caller reports
   * `skipped` in one line.
   */
  probing?: boolean;
}

/**
 * The main-thread side of one model session running in its inference worker: opens it on the
 * first provider that loads (logging each one skipped and why), binds shared tensors once, then
 * runs it without blocking the event loop.
 */
export class ModelSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (ms: number) => void; reject: (err: Error) => void }>();
  private closed = false;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly provider: ProviderName,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    /** The providers tried before `provider` that could not start, in order. */
    readonly skipped: ProviderName[],
  ) {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'done') this.settle(message.id, null, message.ms);
      else if (message.type === 'error') this.settle(message.id, new Error(`inference failed: ${message.message}`), 0);
    });
    worker.on('error', (err) => this.fail(new Error(`inference worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`inference worker exited (code ${code})`));
    });
  }

  /**
   * Starts the worker and waits until a provider has loaded the model. Rejects with the last
   * provider's reason when none could (on CPU that means the model itself cannot load).
   */
  static async open(options: ModelSessionOptions): Promise<ModelSession> {
    const { label, log, probing = false, ...setup } = options;
    const worker = spawnInferenceWorker(setup);
    const skipped: ProviderName[] = [];
    return new Promise<ModelSession>((resolve, reject) => {
      let attemptStarted = 0;
      let progress: NodeJS.Timeout | null = null;
      const stopProgress = () => {
        if (progress) clearInterval(progress);
        progress = null;
      };
      const onMessage = (message: FromWorker) => {
        switch (message.type) {
          case 'attempt':
            attemptStarted = performance.now();
            if (message.provider === 'tensorrt') {
              // Loading from the engine cache takes a second or two and a missing provider fails at
              // once; only a start that takes longer is an engine build worth reporting.
              progress = setInterval(() => {
                const seconds = ((performance.now() - attemptStarted) / 1000).toFixed(0);
                log.info(
                  `tensorrt: building the TensorRT engine for ${label}: ${seconds} s elapsed (engine cache: ${setup.trtCacheDir})`,
                );
              }, PROGRESS_INTERVAL_MS);
            }
            return;
          case 'skipped':
            stopProgress();
            skipped.push(message.provider);
            (probing && librariesMissing(message.reason) ? log.debug : log.warn)(
              `${message.provider} skipped: ${explainSkip(message.provider, message.reason)}`,
            );
            return;
          case 'ready': {
            stopProgress();
            const seconds = ((performance.now() - attemptStarted) / 1000).toFixed(1);
            const slow = performance.now() - attemptStarted >= PROGRESS_INTERVAL_MS;
            if (slow) log.info(`${message.provider}: ${label} ready after ${seconds} s`);
            else log.debug(`${message.provider}: ${label} loaded in ${seconds} s`);
            cleanup();
            resolve(new ModelSession(worker, message.provider, message.inputs, message.outputs, skipped));
            return;
          }
          case 'failed':
            stopProgress();
            cleanup();
            void worker.terminate();
            reject(new Error(message.reason));
            return;
        }
      };
      const onError = (err: Error) => {
        stopProgress();
        cleanup();
        void worker.terminate();
        reject(new Error(`inference worker failed to start: ${err.message}`));
      };
      const onExit = (code: number) => {
        stopProgress();
        cleanup();
        reject(new Error(`inference worker exited during start (code ${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  /** Allocates the shared tensors once; the engine writes `input` and reads `outputs` around each run. */
  async bind(input: { name: string; shape: number[] }, outputs: { name: string; shape: number[] }[]): Promise<{ input: Float32Array; outputs: Map<string, Float32Array> }> {
    const share = (t: { name: string; shape: number[] }): SharedTensor => ({
      name: t.name,
      shape: t.shape,
      buffer: new SharedArrayBuffer(t.shape.reduce((a, b) => a * b, 1) * Float32Array.BYTES_PER_ELEMENT),
    });
    const sharedInput = share(input);
    const sharedOutputs = outputs.map(share);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === 'bound') {
          this.worker.off('message', onMessage);
          resolve();
        } else if (message.type === 'error' && message.id === -1) {
          this.worker.off('message', onMessage);
          reject(new Error(`cannot bind tensors: ${message.message}`));
        }
      };
      this.worker.on('message', onMessage);
      this.send({ type: 'bind', input: sharedInput, outputs: sharedOutputs });
    });
    return {
      input: new Float32Array(sharedInput.buffer),
      outputs: new Map(sharedOutputs.map((t) => [t.name, new Float32Array(t.buffer)])),
    };
  }

  /** Runs the model on the bound input; resolves with the worker-side time in ms. */
  run(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('model session is closed'));
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'run', id });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failure) {
      const closedAck = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        this.worker.on('message', (message: FromWorker) => {
          if (message.type === 'closed') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      this.send({ type: 'close' });
      await closedAck;
    }
    await this.worker.terminate();
    this.fail(new Error('model session is closed'));
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private settle(id: number, err: Error | null, ms: number): void {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    if (err) waiter.reject(err);
    else waiter.resolve(ms);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

/**
 * Starts inference-worker.{js,ts} beside this file. From the compiled dist/ it is plain JS. From
 * sources (tests, `npx tsx`), Node 20 does not run tsx's loader for a worker's entry file (it
 * fails with ERR_UNKNOWN_FILE_EXTENSION, or hangs when the parent's tsx flags are inherited), so
 * the worker starts without them and imports the .ts entry through tsx's API.
 */
function spawnInferenceWorker(setup: InferenceWorkerSetup): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./inference-worker.ts', here).href;
    const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
    return new Worker(boot, { eval: true, execArgv: [], workerData: setup });
  }
  return new Worker(new URL('./inference-worker.js', here), { workerData: setup });
}
