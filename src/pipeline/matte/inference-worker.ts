/**
 * The inference worker thread: opens the model on the first provider that loads, then runs it on
 * request. It owns private input/output tensors (onnxruntime-node rejects tensors backed by a
 * SharedArrayBuffer) and copies to and from the shared buffers around each run; at model size
 * those copies cost well under a millisecond.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { sessionOptionsFor } from './execution-providers.js';
import type { FromWorker, InferenceWorkerSetup, SharedTensor, TensorInfo, ToWorker } from './inference-protocol.js';
import { errorMessage } from '../../util/error-message.js';

const port = parentPort!;
const setup = workerData as InferenceWorkerSetup;
const post = (message: FromWorker) => port.postMessage(message);

interface Binding {
  sharedInput: Float32Array;
  input: ort.Tensor;
  feeds: Record<string, ort.Tensor>;
  fetches: Record<string, ort.Tensor>;
  copies: { from: Float32Array; to: Float32Array }[];
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
}

/** onnxruntime's messages carry a code prefix and sometimes several lines; keep the informative part. */
function reasonOf(err: unknown): string {
  const text = errorMessage(err);
  return text.replace(/\s+/g, ' ').trim();
}

async function open(): Promise<ort.InferenceSession | null> {
  let lastReason = 'no provider to try';
  for (const provider of setup.providers) {
    post({ type: 'attempt', provider });
    try {
      const session = await ort.InferenceSession.create(setup.modelPath, sessionOptionsFor(provider, setup));
      post({ type: 'ready', provider, inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) });
      return session;
    } catch (err) {
      lastReason = reasonOf(err);
      post({ type: 'skipped', provider, reason: lastReason });
    }
  }
  post({ type: 'failed', reason: lastReason });
  return null;
}

function bind(input: SharedTensor, outputs: SharedTensor[]): Binding {
  const sharedInput = new Float32Array(input.buffer);
  const tensor = new ort.Tensor('float32', new Float32Array(sharedInput.length), input.shape);
  const fetches: Record<string, ort.Tensor> = {};
  const copies: Binding['copies'] = [];
  for (const output of outputs) {
    const shared = new Float32Array(output.buffer);
    const own = new Float32Array(shared.length);
    fetches[output.name] = new ort.Tensor('float32', own, output.shape);
    copies.push({ from: own, to: shared });
  }
  return { sharedInput, input: tensor, feeds: { [input.name]: tensor }, fetches, copies };
}

async function serve(session: ort.InferenceSession): Promise<void> {
  let binding: Binding | null = null;
  port.on('message', async (message: ToWorker) => {
    switch (message.type) {
      case 'bind':
        try {
          binding = bind(message.input, message.outputs);
          post({ type: 'bound' });
        } catch (err) {
          post({ type: 'error', id: -1, message: reasonOf(err) });
        }
        return;
      case 'run': {
        if (!binding) {
          post({ type: 'error', id: message.id, message: 'run before bind' });
          return;
        }
        try {
          const started = performance.now();
          (binding.input.data as Float32Array).set(binding.sharedInput);
          await session.run(binding.feeds, binding.fetches);
          for (const copy of binding.copies) copy.to.set(copy.from);
          post({ type: 'done', id: message.id, ms: performance.now() - started });
        } catch (err) {
          post({ type: 'error', id: message.id, message: reasonOf(err) });
        }
        return;
      }
      case 'close':
        await session.release().catch(() => undefined);
        post({ type: 'closed' });
        port.close();
        return;
    }
  });
}

// onnxruntime's process-wide logger prints colour-coded lines of its own on stderr, e.g. for every
// provider library it cannot load; our log already says that in words. Shown with FACEMAT_LOG=debug.
ort.env.logLevel = process.env.FACEMAT_LOG === 'debug' ? 'warning' : 'fatal';
const session = await open();
if (session) await serve(session);
else port.close();
