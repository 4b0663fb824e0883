// Run an ONNX model with onnxruntime-node: parity dumps and CPU latency.
// usage: node ort_node.cjs <repoRoot> <model.onnx> <input.bin|-> <outDir|-> [threads] [benchIters]
//   input.bin: raw float32 NCHW tensor (shape read from the model's fixed input dims)
//   writes <outDir>/<outputName>.bin for each output; prints a JSON summary on stdout.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [root, modelPath, inputPath, outDir, threadsArg, itersArg] = process.argv.slice(2);
  const ort = require(path.join(root, 'node_modules', 'onnxruntime-node'));
  const threads = parseInt(threadsArg || '2', 10);
  const iters = parseInt(itersArg || '0', 10);
  const sess = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const inName = sess.inputNames[0];
  const meta = sess.inputMetadata ? sess.inputMetadata[0] : null;
  let dims = meta && meta.shape ? meta.shape : null;
  let data;
  if (inputPath && inputPath !== '-') {
    const buf = fs.readFileSync(inputPath);
    data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  }
  if (!dims) throw new Error('cannot read input shape');
  const n = dims.reduce((a, b) => a * b, 1);
  if (!data) { data = new Float32Array(n); for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.01); }
  if (data.length !== n) throw new Error(`input has ${data.length} floats, model wants ${n}`);
  const feeds = { [inName]: new ort.Tensor('float32', data, dims) };
  const res = await sess.run(feeds);
  const summary = { inputName: inName, inputShape: dims, outputs: {} };
  for (const name of sess.outputNames) {
    const t = res[name];
    summary.outputs[name] = t.dims;
    if (outDir && outDir !== '-') {
      fs.writeFileSync(path.join(outDir, name + '.bin'), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  if (iters > 0) {
    for (let i = 0; i < 10; i++) await sess.run(feeds);
    const times = [];
    for (let i = 0; i < iters; i++) {
      const t0 = process.hrtime.bigint();
      await sess.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    summary.latency = { threads, iters, p50: times[Math.floor(iters * 0.5)], p90: times[Math.floor(iters * 0.9)], min: times[0] };
  }
  process.stdout.write(JSON.stringify(summary) + '\n');
}
main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
