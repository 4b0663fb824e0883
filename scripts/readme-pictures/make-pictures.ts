/**
 * Makes the compositor's README pictures from the project's own sample clip: one frame of
 * assets/sample/sample.mp4 with the hand over the face, through each filter, before and after.
 *
 *   npx tsx scripts/readme-pictures/make-pictures.ts [TIME_SECONDS] [model|reference]
 *
 * The matte comes from the shipped FaceMat model (default: the engine runs on the half second of
 * frames before TIME, so its face crop and temporal filter settle as they would live), or from
 * reference_matte.py (the clip generator's own geometry; needs /usr/bin/python3 with numpy, scipy,
 * Pillow and scikit-image). Needs ffmpeg and ImageMagick (montage).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/config/paths.js';
import { GlCompositor } from '../../src/pipeline/composite/gl-compositor.js';
import { createMatteEngine } from '../../src/pipeline/matte/index.js';
import { defaultSettings, FILTER_NAMES, type FilterInstance, type FilterName, type FilterSettings } from '../../src/pipeline/filter-settings/filter-catalogue.js';
import type { Frame, Matte } from '../../src/pipeline/frame.js';

const W = 1280;
const H = 720;
const root = packageRoot();
const time = Number(process.argv[2] ?? '3.0');
const matteSource = process.argv[3] ?? 'model';
const FPS = 30;
/** Frames the model sees before the pictured one. */
const LEAD_IN = 15;
const outDir = join(root, 'docs', 'images');

function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

function chain(name: FilterName | 'Natural', settings: FilterSettings = {}): FilterInstance[] {
  if (name === 'Natural') {
    return [
      { name: 'beautify', enabled: true, settings: { ...defaultSettings('beautify'), strength: 0.6 } },
      { name: 'recolor', enabled: true, settings: { ...defaultSettings('recolor'), amount: 0.15 } },
    ];
  }
  return FILTER_NAMES.map((n) => ({ name: n, enabled: n === name, settings: { ...defaultSettings(n), ...(n === name ? settings : {}) } }));
}

const PICTURES: Array<{ file: string; label: string; chain: FilterInstance[] }> = [
  { file: 'beautify', label: 'beautify (strength 1)', chain: chain('beautify', { strength: 1 }) },
  { file: 'toon', label: 'toon', chain: chain('toon') },
  { file: 'sketch', label: 'sketch', chain: chain('sketch') },
  { file: 'recolor', label: 'recolor (LUT warm-film)', chain: chain('recolor', { lut: 'assets/luts/warm-film.cube', amount: 1 }) },
  { file: 'anonymize', label: 'anonymize (pixelate)', chain: chain('anonymize') },
  { file: 'facepaint', label: 'facepaint (flag)', chain: chain('facepaint', { pattern: 'flag', opacity: 0.6 }) },
  { file: 'facepaint-image', label: 'facepaint (image)', chain: chain('facepaint', { pattern: 'image', opacity: 0.9 }) },
  { file: 'matte-alpha', label: 'matte (alpha view)', chain: chain('matte', { view: 'alpha' }) },
  { file: 'matte-uncertainty', label: 'matte (uncertainty view)', chain: chain('matte', { view: 'uncertainty' }) },
  { file: 'matte-split', label: 'matte (split: before | after Natural)', chain: [...chain('Natural'), { name: 'matte', enabled: true, settings: { view: 'split' } }] },
  { file: 'natural', label: 'preset Natural', chain: chain('Natural') },
];

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'facemat-pictures-'));
  try {
    const start = Math.max(0, time - LEAD_IN / FPS);
    const clip = run('ffmpeg', [
      '-loglevel', 'error', '-ss', start.toFixed(4), '-i', join(root, 'assets', 'sample', 'sample.mp4'),
      '-frames:v', String(LEAD_IN + 1), '-f', 'rawvideo', '-pix_fmt', 'rgba', '-',
    ]);
    const frameBytes = W * H * 4;
    const count = Math.floor(clip.length / frameBytes);
    if (count < 1) throw new Error(`ffmpeg gave no ${W}x${H} frame`);
    const frames = Array.from({ length: count }, (_, i): Frame => {
      const f: Frame = { seq: i + 1, captureMs: i * 33, width: W, height: H, rgba: new Uint8Array(clip.subarray(i * frameBytes, (i + 1) * frameBytes)), retain: () => f, release: () => {} };
      return f;
    });
    const frame = frames[count - 1];
    const rgba = frame.rgba;
    const matte = matteSource === 'reference' ? referenceMatte(tmp) : await modelMatte(frames);

    // Crop: a square of 420/720 of the frame around the face, kept inside the frame.
    const side = Math.round(H * 0.58);
    const cx = Math.round(Math.min(W - side, Math.max(0, FACE_CENTRE.x - side / 2)));
    const cy = Math.round(Math.min(H - side, Math.max(0, FACE_CENTRE.y - side / 2)));
    const crop = (src: Uint8Array) => {
      const out = new Uint8Array(side * side * 4);
      for (let y = 0; y < side; y++) out.set(src.subarray(((cy + y) * W + cx) * 4, ((cy + y) * W + cx + side) * 4), y * side * 4);
      return out;
    };
    const jpeg = (pixels: Uint8Array, width: number, file: string, size: number) =>
      run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${side}`, '-i', '-', '-vf', `scale=-2:${size}`, '-q:v', '4', file], pixels);

    const compositor = new GlCompositor();
    await compositor.open({ width: W, height: H, fps: 30 });
    const before = crop(rgba);
    const tiles: string[] = [];
    const originalTile = join(tmp, '00-original.jpg');
    jpeg(before, side, originalTile, 300);
    tiles.push('-label', 'original (hand over the face)', originalTile);
    for (const picture of PICTURES) {
      const after = crop(compositor.composite(frame, matte, picture.chain).rgba);
      const pair = new Uint8Array(side * 2 * side * 4);
      for (let y = 0; y < side; y++) {
        pair.set(before.subarray(y * side * 4, (y + 1) * side * 4), y * side * 8);
        pair.set(after.subarray(y * side * 4, (y + 1) * side * 4), y * side * 8 + side * 4);
      }
      jpeg(pair, side * 2, join(outDir, `compositor-${picture.file}.jpg`), 300);
      const tile = join(tmp, `${picture.file}.jpg`);
      jpeg(after, side, tile, 300);
      tiles.push('-label', picture.label, tile);
    }
    await compositor.close();
    run('montage', ['-font', 'DejaVu-Sans', '-pointsize', '15', ...tiles, '-tile', '4x', '-geometry', '+4+4', '-quality', '85', join(outDir, 'compositor-filters.jpg')]);
    console.log(`pictures of t = ${time} s (matte: ${matteSource}) written to ${outDir}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where the sample clip's face is around t = 3 s (make_sample_clip.py), for the picture crop. */
const FACE_CENTRE = { x: 560, y: 290 };

function referenceMatte(tmp: string): Matte {
  run('/usr/bin/python3', [join(root, 'scripts', 'readme-pictures', 'reference_matte.py'), String(time), tmp]);
  const info = JSON.parse(readFileSync(join(tmp, 'matte.json'), 'utf8'));
  const raw = readFileSync(join(tmp, 'matte.f32'));
  const alpha = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return { seq: 1, captureMs: 0, width: info.width, height: info.height, alpha, uncertainty: null, roi: info.roi, empty: false };
}

/** The shipped model's matte of the last frame, after it has seen the ones before. */
async function modelMatte(frames: Frame[]): Promise<Matte> {
  const engine = await createMatteEngine({ provider: 'cpu' });
  try {
    let matte: Matte | null = null;
    for (const f of frames) matte = await engine.run(f);
    const m = matte!;
    // The engine reuses its buffers: keep a copy.
    return { ...m, alpha: m.alpha.slice(), uncertainty: m.uncertainty?.slice() ?? null, roi: { ...m.roi } };
  } finally {
    await engine.close();
  }
}

await main();
