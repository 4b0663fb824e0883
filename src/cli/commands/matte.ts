import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import {
  PROVIDER_REQUESTS,
  createMatteEngine,
  decodeImageFile,
  encodeGrayPng,
  matteStill,
} from '../../pipeline/matte/index.js';
import type { CliCommand } from '../command.js';
import { UsageError } from '../command.js';
import { accept, commandSpec, flag, value } from '../options/option-spec.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export const MATTE_SPEC = commandSpec({
  name: 'matte',
  summary: 'Write the face matte of images as grayscale PNGs',
  usage: '--input FILE|DIR --output DIR [options]',
  about: `Writes the face matte of each PNG or JPEG image as OUTPUT/NAME.png: 8-bit grayscale, the size of
the input, 255 = face skin, 0 = whatever covers it (hands, hair, glasses...) and the background.`,
  options: {
    input: value({ arg: 'FILE|DIR', required: true, help: 'an image, or a folder of them (`*.png`, `*.jpg`, `*.jpeg`; not recursive)' }),
    output: value({ arg: 'DIR', required: true, help: 'where the mattes go (created if missing)' }),
    model: value({ arg: 'M', defaultText: '`models/facemat-student.json`', help: "model manifest (`.json`), or `.onnx` with its manifest beside it" }),
    provider: value({
      arg: 'P',
      accepts: PROVIDER_REQUESTS.join(', '),
      parse: accept.oneOf(PROVIDER_REQUESTS),
      defaultText: '`auto`',
      help: '`auto` (TensorRT, then CUDA, then CPU), `tensorrt`, `cuda`, `cpu`',
    }),
    threads: value({ arg: 'N', accepts: 'an integer 1..64', parse: accept.integer(1, 64), defaultText: 'cores - 1 (max 4), as `facemat run`', help: 'CPU inference threads' }),
    uncertainty: flag({ help: 'also write `OUTPUT/NAME.uncertainty.png` (255 = the model is unsure)' }),
    'no-flip-average': flag({
      defaultText: 'flip averaging on',
      help: 'one inference per image, instead of also matting the mirrored image and averaging the two (twice the time, slightly better mattes)',
    }),
    'no-face-crop': flag({
      defaultText: 'face crop on',
      help: 'one pass on the whole image, instead of a second pass on a padded crop around a face that fills only part of it (as the live pipeline does; small faces get far more model pixels)',
    }),
    'no-zoom-view': flag({
      defaultText: 'zoomed view on',
      help: 'one view of the face, instead of also matting a zoomed view centred on it and averaging it in (twice the time, slightly better mattes)',
    }),
  },
  footer: `Bad images are reported and skipped; the others are still written.
Exit status: 0 all written, 1 some input failed, 2 bad usage.`,
});

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
  summary: MATTE_SPEC.summary,
  specs: [MATTE_SPEC],
  async run(argv: string[]): Promise<number> {
    const { help, values } = parseCommandLine(MATTE_SPEC, argv);
    if (help) {
      process.stdout.write(helpText(MATTE_SPEC) + '\n');
      return 0;
    }
    // required by the spec, so given
    const options = {
      input: values.input!,
      output: values.output!,
      model: values.model,
      provider: values.provider ?? 'auto',
      threads: values.threads,
      uncertainty: values.uncertainty ?? false,
      flipAverage: !values['no-flip-average'],
      faceCrop: !values['no-face-crop'],
      zoomView: !values['no-zoom-view'],
    };
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
          const matte = await matteStill(engine, image, { flipAverage: options.flipAverage, faceCrop: options.faceCrop, zoomView: options.zoomView, uncertainty: options.uncertainty });
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
