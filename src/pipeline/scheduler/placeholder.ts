/**
 * The frames shown instead of the camera: "CAMERA PAUSED" while the user paused it,
 * "CAMERA DISCONNECTED" while a source is being reopened, and "STARTING" before the first frame
 * (what a virtual camera shows until someone watches and capture starts). Drawn once per size into a reused
 * buffer with a built-in 5x7 font, so showing them costs nothing per frame and needs no GL.
 */

// 5x7 glyphs, one string of 7 rows per character, '#' = ink.
const GLYPHS: Record<string, string> = {
  A: '.###.#...##...#######...##...##...#',
  B: '####.#...##...#####.#...##...#####.',
  C: '.###.#...##....#....#....#...#.###.',
  D: '####.#...##...##...##...##...#####.',
  E: '######....#....####.#....#....#####',
  G: '.###.#...##....#.####...##...#.###.',
  I: '.###...#....#....#....#....#...###.',
  M: '#...###.###.#.##...##...##...##...#',
  N: '#...###..##.#.##..###...##...##...#',
  O: '.###.#...##...##...##...##...#.###.',
  P: '####.#...##...#####.#....#....#....',
  R: '####.#...##...#####.#.#..#..#.#...#',
  S: '.#####....#.....###.....#....#####.',
  T: '#####..#....#....#....#....#....#..',
  U: '#...##...##...##...##...##...#.###.',
  '.': '..............................##...',
  ' ': '...................................',
};

export type PlaceholderKind = 'paused' | 'disconnected' | 'starting';

const TEXT: Record<PlaceholderKind, string> = {
  paused: 'CAMERA PAUSED',
  disconnected: 'CAMERA DISCONNECTED. RECONNECTING',
  starting: 'STARTING',
};

export class PlaceholderFrames {
  private readonly cache = new Map<PlaceholderKind, Uint8Array>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  get(kind: PlaceholderKind): Uint8Array {
    let rgba = this.cache.get(kind);
    if (!rgba) {
      rgba = render(this.width, this.height, TEXT[kind]);
      this.cache.set(kind, rgba);
    }
    return rgba;
  }
}

function render(width: number, height: number, text: string): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = 28;
    rgba[i * 4 + 1] = 30;
    rgba[i * 4 + 2] = 36;
    rgba[i * 4 + 3] = 255;
  }
  // Scale the text to about 70 % of the width, in whole pixels.
  const cell = 6; // 5 columns + 1 spacing
  const scale = Math.max(1, Math.floor((width * 0.7) / (text.length * cell)));
  const x0 = Math.floor((width - text.length * cell * scale) / 2);
  const y0 = Math.floor((height - 7 * scale) / 2);
  for (let c = 0; c < text.length; c++) {
    const glyph = GLYPHS[text[c]] ?? GLYPHS[' '];
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        if (glyph[gy * 5 + gx] !== '#') continue;
        for (let sy = 0; sy < scale; sy++) {
          const y = y0 + gy * scale + sy;
          if (y < 0 || y >= height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const x = x0 + (c * cell + gx) * scale + sx;
            if (x < 0 || x >= width) continue;
            const o = (y * width + x) * 4;
            rgba[o] = rgba[o + 1] = rgba[o + 2] = 230;
          }
        }
      }
    }
  }
  return rgba;
}
