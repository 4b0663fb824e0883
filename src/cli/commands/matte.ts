import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import {
  PROVIDER_REQUESTS,
  type ProviderRequest,
  createMatteEngine,
  decodeImageFile,
  defaultCpuThreads,
  encodeGrayPng,
  matteStill,
} from '../../pipeline/matte/index.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

const HELP = `usage: facemat matte --input FILE|DIR --output DIR [options]

Writes the face matte of each PNG or JPEG image as OUTPUT/NAME.png: 8-bit grayscale, the size of
the input, 255 = face skin, 0 = whatever covers it (hands, hair, glasses...) and the background.

options:
  --input FILE|DIR   an image, or a folder of them (*.png, *.jpg, *.jpeg; not recursive)
  --output DIR       where the mattes go (created if missing)
  --model M          model manifest (.json), or .onnx with its manifest beside it
                     (default: the shipped models/facemat-student.json)
  --provider P       ${PROVIDER_REQUESTS.join('|')} (default auto: TensorRT, then CUDA, then CPU)
  --threads N        CPU inference threads (default ${defaultCpuThreads()} here)
  --uncertainty      also write OUTPUT/NAME.uncertainty.png (255 = the model is unsure)
  --no-flip-average  one inference per image; by default the mirrored image is matted too and
                     the two mattes averaged (twice the time, slightly better mattes)
  --no-face-crop     one pass on the whole image; by default a face that fills only part of
                     it is matted again on a padded crop around it (as the live pipeline does),
                     which gives small faces far more model pixels
  -h, --help         this help

Bad images are reported and skipped; the others are still written.
Exit status: 0 all written, 1 some input failed, 2 bad usage.`;

interface MatteOptions {
  input: string;
  output: string;
  model: string | undefined;
  provider: ProviderRequest;
  threads: number | undefined;
  uncertainty: boolean;
  flipAverage: boolean;
  faceCrop: boolean;
}

function parseOptions(argv: string[]): MatteOptions | 'help' {
  let input: string | undefined;
  let output: string | undefined;
  let model: string | undefined;
  let provider: ProviderRequest = 'auto';
  let threads: number | undefined;
  let uncertainty = false;
  let flipAverage = true;
  let faceCrop = true;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    /** For an on/off flag: true, or a usage error when it was given a value. */
    const set = (): true => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      return true;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--input':
        input = value();
        break;
      case '--output':
        output = value();
        break;
      case '--model':
        model = value();
        break;
      case '--provider': {
        const v = value();
        if (!PROVIDER_REQUESTS.includes(v as ProviderRequest)) throw new UsageError(`--provider must be one of ${PROVIDER_REQUESTS.join(', ')} (got "${v}")`);
        provider = v as ProviderRequest;
        break;
      }
      case '--threads': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be a positive integer (got "${v}")`);
        threads = n;
        break;
      }
      case '--uncertainty':
        uncertainty = set();
        break;
      case '--no-flip-average':
        flipAverage = !set();
        break;
      case '--no-face-crop':
        faceCrop = !set();
        break;
      default:
        throw new UsageError(`unknown option "${argv[i]}" (see facemat matte --help)`);
    }
  }
  if (!input) throw new UsageError('--input FILE|DIR is required (see facemat matte --help)');
  if (!output) throw new UsageError('--output DIR is required (see facemat matte --help)');
  return { input, output, model, provider, threads, uncertainty, flipAverage, faceCrop };
}

/** The images to matte: the file itself, or the folder's png/jpg files in name order. */
async function listInputs(input: string): Promise<string[]> {
  let info;
  try {
    info = await stat(input);
  } catch {
    throw new UsageError(`--input ${input}: no such file or folder`);
  }
  if (!info.isDirectory()) return [resolve(input)];
  const names = (await readdir(input)).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase())).sort();
  return names.map((name) => resolve(input, name));
}

export const command: CliCommand = {
  name: 'matte',
  summary: 'Write the face matte of images as grayscale PNGs',
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv);
    if (options === 'help') {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    const inputs = await listInputs(options.input);
    if (inputs.length === 0) {
      process.stderr.write(`facemat matte: no PNG or JPEG images in ${options.input}\n`);
      return 1;
    }
    const outputDir = resolve(options.output);
    await mkdir(outputDir, { recursive: true });

    // Stills are independent pictures: no face crop from a previous picture's matte (matteStill
    // crops from the picture's own first pass), no temporal blending.
    const engine = await createMatteEngine({ modelPath: options.model, provider: options.provider, threads: options.threads, faceCrop: false, temporal: false });
    let failed = 0;
    let written = 0;
    let warnedNoUncertainty = false;
    const claimed = new Map<string, string>();
    try {
      for (const path of inputs) {
        const name = basename(path, extname(path));
        const target = join(outputDir, `${name}.png`);
        const shown = basename(path);
        try {
          if (target === path) throw new Error(`its matte ${target} would overwrite it; choose another --output`);
          const earlier = claimed.get(target);
          if (earlier) throw new Error(`its matte ${target} would overwrite the one written for ${earlier}`);
          claimed.set(target, shown);
          const image = await decodeImageFile(path);
          const matte = await matteStill(engine, image, { flipAverage: options.flipAverage, faceCrop: options.faceCrop, uncertainty: options.uncertainty });
          await writeFile(target, encodeGrayPng(matte.alpha, image.width, image.height));
          let extra = '';
          if (options.uncertainty) {
            if (matte.uncertainty) {
              const uncertaintyPath = join(outputDir, `${name}.uncertainty.png`);
              await writeFile(uncertaintyPath, encodeGrayPng(matte.uncertainty, image.width, image.height));
              extra = `, ${basename(uncertaintyPath)}`;
            } else if (!warnedNoUncertainty) {
              warnedNoUncertainty = true;
              process.stderr.write(`facemat matte: the model has no uncertainty output; writing alpha only\n`);
            }
          }
          written++;
          process.stdout.write(`${shown} -> ${target}${extra} (${image.width}x${image.height})\n`);
        } catch (err) {
          failed++;
          process.stderr.write(`facemat matte: ${path}: ${(err as Error).message}; skipped\n`);
        }
      }
    } finally {
      await engine.close();
    }
    process.stderr.write(`facemat matte: ${written} written, ${failed} failed, with ${engine.description}\n`);
    return failed > 0 ? 1 : 0;
  },
};
