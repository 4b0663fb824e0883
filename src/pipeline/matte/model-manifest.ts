import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ModelError } from './model-error.js';

/**
 * The model contract (models/NAME.json beside models/NAME.onnx). Everything the engine needs to
 * know about a model comes from here, so a retrained or different model drops in without code
 * changes. Input values are `(pixel / scale - mean[c]) / std[c]` per channel, in `colorOrder`.
 */
export interface ModelInputSpec {
  readonly name: string;
  readonly layout: 'NCHW';
  /** The size the engine feeds; with `dynamic` the graph accepts others too. */
  readonly width: number;
  readonly height: number;
  readonly dynamic: boolean;
  readonly colorOrder: 'RGB' | 'BGR';
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export type ModelOutputKind = 'alpha' | 'log_variance';

export interface ModelOutputSpec {
  readonly name: string;
  readonly kind: ModelOutputKind;
  /** Value range of the output; alpha is clamped to it and mapped onto [0,1]. */
  readonly range?: readonly [number, number];
}

export interface ModelManifest {
  readonly name: string;
  readonly version: string;
  /** The .onnx file, relative to the manifest's folder. */
  readonly file: string;
  readonly opset: number;
  readonly input: ModelInputSpec;
  readonly outputs: readonly ModelOutputSpec[];
  /** The model card (markdown), relative to the manifest's folder. */
  readonly card: string;
  readonly training?: Record<string, unknown>;
}

/** A validated manifest with its files resolved. */
export interface ModelDescription {
  readonly manifestPath: string;
  readonly modelPath: string;
  readonly manifest: ModelManifest;
  readonly alpha: ModelOutputSpec;
  /** The log-variance output when the model has one. */
  readonly logVariance: ModelOutputSpec | null;
}

const OUTPUT_KINDS: readonly ModelOutputKind[] = ['alpha', 'log_variance'];

/**
 * Reads and validates the manifest for `path`, which may name the manifest (.json) or the model
 * (.onnx, whose manifest is the .json of the same name beside it). Throws ModelError naming the
 * file and every problem found.
 */
export async function loadModelManifest(path: string): Promise<ModelDescription> {
  const given = resolve(path);
  const manifestPath = extname(given).toLowerCase() === '.onnx' ? join(dirname(given), basename(given, extname(given)) + '.json') : given;
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'manifest missing: every model needs a JSON manifest beside its .onnx (see models/facemat-student.json)'
        : `cannot read the manifest (${(err as Error).message})`;
    throw new ModelError(manifestPath, problem);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(manifestPath, `manifest is not valid JSON (${(err as Error).message})`);
  }
  const manifest = validateManifest(json, manifestPath);
  if (isAbsolute(manifest.file) || manifest.file.split(/[\\/]/).includes('..')) {
    throw new ModelError(manifestPath, `"file" must name a file beside the manifest, not "${manifest.file}"`);
  }
  const modelPath = join(dirname(manifestPath), manifest.file);
  if (extname(given).toLowerCase() === '.onnx' && modelPath !== given) {
    throw new ModelError(manifestPath, `manifest describes "${manifest.file}", not ${basename(given)}`);
  }
  let size: number;
  try {
    size = (await stat(modelPath)).size;
  } catch {
    throw new ModelError(modelPath, `model file missing (named by ${manifestPath})`);
  }
  if (size === 0) throw new ModelError(modelPath, 'model file is empty');
  const alpha = manifest.outputs.find((o) => o.kind === 'alpha')!;
  const logVariance = manifest.outputs.find((o) => o.kind === 'log_variance') ?? null;
  return { manifestPath, modelPath, manifest, alpha, logVariance };
}

/** Checks the shape of a parsed manifest; collects every problem so one run reports them all. */
export function validateManifest(json: unknown, file: string): ModelManifest {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  if (!isObject(json)) throw new ModelError(file, 'manifest must be a JSON object');

  need(isNonEmptyString(json.name), '"name" must be a non-empty string');
  need(isNonEmptyString(json.version), '"version" must be a non-empty string');
  need(isNonEmptyString(json.file) && String(json.file).toLowerCase().endsWith('.onnx'), '"file" must name the .onnx file');
  need(isPositiveInteger(json.opset), '"opset" must be a positive integer');
  need(isNonEmptyString(json.card), '"card" must name the model card (markdown file)');
  need(json.training === undefined || isObject(json.training), '"training" must be an object when present');

  const input = json.input;
  if (!isObject(input)) {
    problems.push('"input" must be an object');
  } else {
    need(isNonEmptyString(input.name), 'input.name must be a non-empty string');
    need(input.layout === 'NCHW', `input.layout must be "NCHW" (got ${JSON.stringify(input.layout)})`);
    need(isPositiveInteger(input.width), 'input.width must be a positive integer');
    need(isPositiveInteger(input.height), 'input.height must be a positive integer');
    need(typeof input.dynamic === 'boolean', 'input.dynamic must be true or false');
    need(input.colorOrder === 'RGB' || input.colorOrder === 'BGR', `input.colorOrder must be "RGB" or "BGR" (got ${JSON.stringify(input.colorOrder)})`);
    need(isFiniteNumber(input.scale) && (input.scale as number) > 0, 'input.scale must be a positive number');
    need(isTriple(input.mean), 'input.mean must be an array of 3 numbers');
    need(isTriple(input.std) && (input.std as number[]).every((s) => s > 0), 'input.std must be an array of 3 positive numbers');
  }

  const outputs = json.outputs;
  if (!Array.isArray(outputs) || outputs.length === 0) {
    problems.push('"outputs" must be a non-empty array');
  } else {
    const seen = new Set<string>();
    outputs.forEach((o: unknown, i) => {
      if (!isObject(o)) {
        problems.push(`outputs[${i}] must be an object`);
        return;
      }
      need(isNonEmptyString(o.name), `outputs[${i}].name must be a non-empty string`);
      if (OUTPUT_KINDS.includes(o.kind as ModelOutputKind)) {
        need(!seen.has(o.kind as string), `outputs: more than one output of kind "${o.kind}"`);
        seen.add(o.kind as string);
      } else {
        problems.push(`outputs[${i}].kind must be one of ${OUTPUT_KINDS.map((k) => `"${k}"`).join(', ')} (got ${JSON.stringify(o.kind)})`);
      }
      if (o.range !== undefined) {
        const ok = Array.isArray(o.range) && o.range.length === 2 && o.range.every(isFiniteNumber) && o.range[0] < o.range[1];
        need(ok, `outputs[${i}].range must be [low, high] with low < high`);
      }
    });
    need(seen.has('alpha'), 'outputs: no output of kind "alpha"');
  }

  if (problems.length > 0) throw new ModelError(file, `invalid manifest: ${problems.join('; ')}`);
  return json as unknown as ModelManifest;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isNonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}
function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isPositiveInteger(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}
function isTriple(v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every(isFiniteNumber);
}
