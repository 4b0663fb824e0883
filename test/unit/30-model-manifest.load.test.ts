import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../../src/pipeline/matte/model-error.js';
import { loadModelManifest, validateManifest } from '../../src/pipeline/matte/model-manifest.js';
import { SHIPPED_MANIFEST, SHIPPED_MODEL, modelCopy, removeDir, shippedManifestJson, tempDir } from './3x-matte-fixture.js';

async function rejectsWith(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ModelError, `expected ModelError, got ${err}`);
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(`${file}: `), `message does not start with the file: ${err.message}`);
    assert.match(err.problem, pattern);
    return true;
  });
}

describe('loadModelManifest', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => removeDir(dir));

  it('reads the shipped manifest and resolves its model, alpha and log-variance outputs', async function () {
    const model = await loadModelManifest(SHIPPED_MANIFEST);
    assert.equal(model.modelPath, SHIPPED_MODEL);
    assert.equal(model.manifest.input.layout, 'NCHW');
    assert.ok(model.manifest.input.width > 0 && model.manifest.input.height > 0);
    assert.equal(model.alpha.kind, 'alpha');
    assert.equal(model.logVariance?.kind, 'log_variance');
  });

  it('accepts the .onnx path and finds the manifest beside it', async function () {
    const model = await loadModelManifest(SHIPPED_MODEL);
    assert.equal(model.manifestPath, SHIPPED_MANIFEST);
  });

  it('treats the log-variance output as optional', async function () {
    const path = await modelCopy(dir, 'alpha-only', (m) => {
      m.outputs = m.outputs.filter((o: { kind: string }) => o.kind === 'alpha');
    });
    const model = await loadModelManifest(path);
    assert.equal(model.logVariance, null);
  });

  it('names the missing manifest when an .onnx has none', async function () {
    const onnx = join(dir, 'lonely.onnx');
    await copyFile(SHIPPED_MODEL, onnx);
    await rejectsWith(loadModelManifest(onnx), join(dir, 'lonely.json'), /manifest missing/);
  });

  it('names a manifest that is not JSON', async function () {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"name": "x",');
    await rejectsWith(loadModelManifest(path), path, /not valid JSON/);
  });

  it('names the model file when it is missing or empty', async function () {
    const path = await modelCopy(dir, 'gone');
    await writeFile(join(dir, 'gone.onnx'), '');
    await rejectsWith(loadModelManifest(path), join(dir, 'gone.onnx'), /empty/);
    const other = await modelCopy(dir, 'other', (m) => {
      m.file = 'nowhere.onnx';
    });
    await rejectsWith(loadModelManifest(other), join(dir, 'nowhere.onnx'), /model file missing/);
  });

  it('refuses a "file" outside the manifest folder', async function () {
    const path = await modelCopy(dir, 'escape', (m) => {
      m.file = '../facemat-student.onnx';
    });
    await rejectsWith(loadModelManifest(path), path, /beside the manifest/);
  });
});

describe('validateManifest', function () {
  it('reports every problem of a bad manifest in one error', async function () {
    const json = await shippedManifestJson();
    json.input.layout = 'NHWC';
    json.input.width = -3;
    json.input.colorOrder = 'YUV';
    json.input.std = [0.5, 0, 0.5];
    json.outputs = [{ name: 'logvar', kind: 'log-variance' }];
    assert.throws(
      () => validateManifest(json, 'bad.json'),
      (err: unknown) => {
        assert.ok(err instanceof ModelError);
        for (const part of [
          'input.layout must be "NCHW"',
          'input.width must be a positive integer',
          'input.colorOrder must be "RGB" or "BGR"',
          'input.std must be an array of 3 positive numbers',
          'outputs[0].kind must be one of "alpha", "log_variance"',
          'no output of kind "alpha"',
        ]) {
          assert.ok(err.problem.includes(part), `missing "${part}" in: ${err.problem}`);
        }
        return true;
      },
    );
  });

  it('refuses two outputs of one kind and a bad range', async function () {
    const json = await shippedManifestJson();
    json.outputs = [
      { name: 'a', kind: 'alpha', range: [1, 0] },
      { name: 'b', kind: 'alpha' },
    ];
    assert.throws(() => validateManifest(json, 'x.json'), /more than one output of kind "alpha"/);
    assert.throws(() => validateManifest(json, 'x.json'), /outputs\[0\]\.range must be \[low, high\]/);
  });

  it('refuses what is not an object', function () {
    assert.throws(() => validateManifest([1, 2], 'x.json'), /manifest must be a JSON object/);
  });
});
