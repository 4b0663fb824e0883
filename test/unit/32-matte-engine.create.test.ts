import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../../src/config/paths.js';
import { setLogLevel } from '../../src/log.js';
import { defaultCpuThreads, providerChain, sessionOptionsFor, tensorRtCacheDir } from '../../src/pipeline/matte/execution-providers.js';
import { createMatteEngine, defaultModelPath } from '../../src/pipeline/matte/index.js';
import { ModelError } from '../../src/pipeline/matte/model-error.js';
import { loadModelManifest } from '../../src/pipeline/matte/model-manifest.js';
import { OnnxMatteEngine } from '../../src/pipeline/matte/onnx-matte-engine.js';
import { SHIPPED_MODEL, captureLogs, modelCopy, removeDir, tempDir } from './3x-matte-fixture.js';

// Real onnxruntime-node sessions on the shipped model. This machine has no CUDA or TensorRT
// provider libraries (installed with ONNXRUNTIME_NODE_INSTALL=skip), which is what the
// fallback tests rely on.
describe('createMatteEngine', function () {
  this.timeout(60000);
  let dir: string;
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(async () => {
    dir = await tempDir();
    logs = captureLogs();
  });
  afterEach(async () => {
    logs.stop();
    await removeDir(dir);
  });

  it('falls back from TensorRT and CUDA to CPU: one info line on a machine without GPU libraries, the reasons at debug level', async function () {
    const engine = await createMatteEngine({ provider: 'auto', threads: 1 });
    try {
      assert.equal(engine.provider, 'cpu');
      assert.ok(!logs.lines.some((l) => l.includes('warn')), `a warning for an expected skip:\n${logs.lines.join('\n')}`);
      assert.ok(
        logs.lines.some((l) => /matting with facemat-student .* on cpu \(1 thread\) \(tensorrt and cuda not available; FACEMAT_LOG=debug says why\)/.test(l)),
        `no line saying CPU runs and why:\n${logs.lines.join('\n')}`,
      );
    } finally {
      await engine.close();
    }
    logs.lines.length = 0;
    setLogLevel('debug');
    try {
      const verbose = await createMatteEngine({ provider: 'auto', threads: 1 });
      await verbose.close();
    } finally {
      setLogLevel('info');
    }
    const trt = logs.lines.find((l) => l.includes('debug: tensorrt skipped:'));
    const cuda = logs.lines.find((l) => l.includes('debug: cuda skipped:'));
    assert.ok(trt, `no TensorRT line in:\n${logs.lines.join('\n')}`);
    assert.ok(cuda, `no CUDA line in:\n${logs.lines.join('\n')}`);
    assert.match(trt!, /libraries are not installed or cannot load.*onnxruntime said: .*TensorRT/);
    assert.match(cuda!, /onnxruntime said: .*Cuda/i);
    assert.ok(logs.lines.indexOf(trt!) < logs.lines.indexOf(cuda!), 'TensorRT is tried before CUDA');
  });

  it('tries only CUDA then CPU for --provider cuda, and nothing else for cpu', async function () {
    const cudaEngine = await createMatteEngine({ provider: 'cuda', threads: 1 });
    await cudaEngine.close();
    assert.ok(!logs.lines.some((l) => l.includes('tensorrt')), logs.lines.join('\n'));
    assert.ok(logs.lines.some((l) => l.includes('warn: cuda skipped:')), 'asked for by name: a warning');
    logs.lines.length = 0;
    const cpuEngine = await createMatteEngine({ provider: 'cpu', threads: 1 });
    await cpuEngine.close();
    assert.equal(cpuEngine.provider, 'cpu');
    assert.ok(!logs.lines.some((l) => l.includes('skipped')), logs.lines.join('\n'));
  });

  it('falls back to the shipped model when the user model is truncated, naming the file', async function () {
    const manifest = await modelCopy(dir, 'truncated', undefined, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
    const engine = await createMatteEngine({ modelPath: manifest, provider: 'cpu', threads: 1 });
    try {
      const error = logs.lines.find((l) => l.includes('error:'));
      assert.ok(error, logs.lines.join('\n'));
      assert.ok(error!.includes(join(dir, 'truncated.onnx')), error);
      assert.match(error!, /onnxruntime cannot load it/);
      assert.ok(error!.includes(`falling back to the shipped model ${defaultModelPath()}`), error);
      assert.equal((engine as OnnxMatteEngine).modelDescription.manifestPath, defaultModelPath());
    } finally {
      await engine.close();
    }
  });

  it('falls back when the graph does not match its manifest (wrong input shape)', async function () {
    const manifest = await modelCopy(dir, 'wrong-shape', (m) => {
      m.input.width = 128;
      m.input.height = 128;
    });
    const engine = await createMatteEngine({ modelPath: manifest, provider: 'cpu', threads: 1 });
    try {
      const error = logs.lines.find((l) => l.includes('error:'));
      assert.ok(error, logs.lines.join('\n'));
      assert.match(error!, /input "image" is 1x3x256x256 in the graph, but the manifest says 1x3x128x128/);
      assert.ok(error!.includes(join(dir, 'wrong-shape.onnx')), error);
    } finally {
      await engine.close();
    }
  });

  it('falls back when the manifest is missing, naming the manifest it looked for', async function () {
    const onnx = join(dir, 'no-manifest.onnx');
    await copyFile(SHIPPED_MODEL, onnx);
    const engine = await createMatteEngine({ modelPath: onnx, provider: 'cpu', threads: 1 });
    await engine.close();
    const error = logs.lines.find((l) => l.includes('error:'));
    assert.ok(error?.includes(`${join(dir, 'no-manifest.json')}: manifest missing`), error);
  });

  it('falls back when an output the manifest names is not in the graph', async function () {
    const manifest = await modelCopy(dir, 'renamed', (m) => {
      m.outputs[0].name = 'matte';
    });
    const engine = await createMatteEngine({ modelPath: manifest, provider: 'cpu', threads: 1 });
    await engine.close();
    assert.ok(logs.lines.some((l) => l.includes('the graph has no output "matte" (it has alpha, logvar)')), logs.lines.join('\n'));
  });

  it('throws ModelError, not a fallback, when the model that fails is the one to fall back to', async function () {
    const manifest = await modelCopy(dir, 'broken', undefined, (bytes) => bytes.subarray(0, 1000));
    await assert.rejects(
      OnnxMatteEngine.open({ model: await loadModelManifest(manifest), provider: 'cpu', threads: 1, faceCrop: false, temporal: false }),
      (err: unknown) => err instanceof ModelError && err.file === join(dir, 'broken.onnx'),
    );
  });
});

describe('execution providers', function () {
  it('orders the chain TensorRT, CUDA, CPU and always ends on CPU', function () {
    assert.deepEqual(providerChain('auto'), ['tensorrt', 'cuda', 'cpu']);
    assert.deepEqual(providerChain('tensorrt'), ['tensorrt', 'cpu']);
    assert.deepEqual(providerChain('cuda'), ['cuda', 'cpu']);
    assert.deepEqual(providerChain('cpu'), ['cpu']);
  });

  it('leaves a core to compositing and stays at 4 threads or fewer', function () {
    assert.deepEqual([1, 2, 4, 8, 64].map((cores) => defaultCpuThreads(cores)), [1, 1, 3, 4, 4]);
  });

  it('asks TensorRT for FP16 and an engine cache in the cache dir; CPU for no spinning and all optimisations', function () {
    const settings = { threads: 2, trtCacheDir: tensorRtCacheDir() };
    assert.equal(tensorRtCacheDir(), join(cacheDir(), 'trt'));
    const trt = sessionOptionsFor('tensorrt', settings);
    const first = trt.executionProviders![0] as unknown as Record<string, unknown>;
    assert.equal(first.name, 'tensorrt');
    assert.equal(first.trt_fp16_enable, true);
    assert.equal(first.trt_engine_cache_enable, true);
    assert.equal(first.trt_engine_cache_path, settings.trtCacheDir);
    assert.deepEqual(trt.executionProviders!.slice(1), [{ name: 'cuda', deviceId: 0 }, 'cpu']);
    const cpu = sessionOptionsFor('cpu', settings);
    assert.deepEqual(cpu.executionProviders, ['cpu']);
    assert.equal(cpu.intraOpNumThreads, 2);
    assert.equal(cpu.graphOptimizationLevel, 'all');
    assert.deepEqual(cpu.extra, { session: { intra_op: { allow_spinning: '0' } } });
  });
});
