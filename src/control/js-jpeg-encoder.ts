/**
 * A small baseline JPEG encoder in plain TypeScript (JFIF, YCbCr 4:2:0, the standard Huffman
 * tables of ITU-T T.81 Annex K). It is the fallback for the preview stream when the native
 * addon's libjpeg-turbo encoder cannot be loaded; it is several times slower than libjpeg-turbo,
 * which is why previews are downscaled and rate-limited before they get here.
 */

const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
]);

// Annex K.1 quantisation tables, in natural (row-major) order.
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, ...new Array<number>(32).fill(99),
];

// Annex K.3 Huffman tables: code counts per length 1..16, then the symbols.
const DC_LUMA_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMA_COUNTS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUMA_SYMBOLS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14,
  0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
  0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
  0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65,
  0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
  0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
  0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
  0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
  0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];
const AC_CHROMA_COUNTS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_SYMBOLS = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32,
  0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16,
  0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39,
  0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
  0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86,
  0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
  0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
  0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

/** Canonical Huffman codes by symbol (T.81 Annex C). */
interface HuffmanTable {
  counts: number[];
  symbols: number[];
  code: Uint16Array;
  length: Uint8Array;
}

function huffmanTable(counts: number[], symbols: number[]): HuffmanTable {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) {
      code[symbols[k]] = next++;
      length[symbols[k]] = len;
      k++;
    }
    next <<= 1;
  }
  return { counts, symbols, code, length };
}

const DC_LUMA = huffmanTable(DC_LUMA_COUNTS, DC_SYMBOLS);
const DC_CHROMA = huffmanTable(DC_CHROMA_COUNTS, DC_SYMBOLS);
const AC_LUMA = huffmanTable(AC_LUMA_COUNTS, AC_LUMA_SYMBOLS);
const AC_CHROMA = huffmanTable(AC_CHROMA_COUNTS, AC_CHROMA_SYMBOLS);

// AAN DCT output scale factors: the float DCT below leaves each coefficient scaled by these.
const AAN_SCALE = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379];

/** IJG quality scaling of a base table; returns the table in zigzag order for the DQT marker. */
function scaledQuant(base: number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  const zigzag = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    zigzag[i] = Math.min(255, Math.max(1, Math.floor((base[ZIGZAG[i]] * scale + 50) / 100)));
  }
  return zigzag;
}

/** Reciprocal divisors in natural order, folding in the AAN scale, so quantising is a multiply. */
function divisors(zigzagQuant: Uint8Array): Float32Array {
  const natural = new Uint8Array(64);
  for (let i = 0; i < 64; i++) natural[ZIGZAG[i]] = zigzagQuant[i];
  const out = new Float32Array(64);
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 8; col++) {
      const i = row * 8 + col;
      out[i] = 1 / (natural[i] * AAN_SCALE[row] * AAN_SCALE[col] * 8);
    }
  }
  return out;
}

/** Appends bits to a growing byte buffer, stuffing a 0x00 after every 0xFF (T.81 F.1.2.3). */
class BitWriter {
  private buf: Buffer;
  private pos = 0;
  private acc = 0;
  private bits = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow();
    this.buf[this.pos++] = b;
  }

  bytes(list: ArrayLike<number>): void {
    for (let i = 0; i < list.length; i++) this.byte(list[i]);
  }

  word(w: number): void {
    this.byte((w >> 8) & 0xff);
    this.byte(w & 0xff);
  }

  write(code: number, length: number): void {
    // acc holds fewer than 8 pending bits, so 16 more never overflow 32-bit integer maths.
    this.acc = (this.acc << length) | (code & ((1 << length) - 1));
    this.bits += length;
    while (this.bits >= 8) {
      this.bits -= 8;
      const b = (this.acc >> this.bits) & 0xff;
      this.byte(b);
      if (b === 0xff) this.byte(0);
    }
    this.acc &= (1 << this.bits) - 1;
  }

  /** Pads the last byte with 1-bits, as the standard asks before a marker. */
  flush(): void {
    if (this.bits > 0) this.write(0x7f, 8 - this.bits);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/** In-place float forward DCT of one 8x8 block (Arai-Agui-Nakajima), then quantised to `out`. */
function forwardDct(block: Float32Array, divisor: Float32Array, out: Int32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8;
    const stride = pass === 0 ? 8 : 1;
    for (let i = 0; i < 8; i++) {
      const o = i * stride;
      const d0 = block[o];
      const d1 = block[o + step];
      const d2 = block[o + 2 * step];
      const d3 = block[o + 3 * step];
      const d4 = block[o + 4 * step];
      const d5 = block[o + 5 * step];
      const d6 = block[o + 6 * step];
      const d7 = block[o + 7 * step];
      const t0 = d0 + d7;
      const t7 = d0 - d7;
      const t1 = d1 + d6;
      const t6 = d1 - d6;
      const t2 = d2 + d5;
      const t5 = d2 - d5;
      const t3 = d3 + d4;
      const t4 = d3 - d4;
      // Even part.
      let t10 = t0 + t3;
      const t13 = t0 - t3;
      let t11 = t1 + t2;
      let t12 = t1 - t2;
      block[o] = t10 + t11;
      block[o + 4 * step] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      block[o + 2 * step] = t13 + z1;
      block[o + 6 * step] = t13 - z1;
      // Odd part.
      t10 = t4 + t5;
      t11 = t5 + t6;
      t12 = t6 + t7;
      const z5 = (t10 - t12) * 0.382683433;
      const z2 = 0.5411961 * t10 + z5;
      const z4 = 1.306562965 * t12 + z5;
      const z3 = t11 * 0.707106781;
      const z11 = t7 + z3;
      const z13 = t7 - z3;
      block[o + 5 * step] = z13 + z2;
      block[o + 3 * step] = z13 - z2;
      block[o + step] = z11 + z4;
      block[o + 7 * step] = z11 - z4;
    }
  }
  for (let i = 0; i < 64; i++) out[i] = Math.round(block[i] * divisor[i]);
}

/** Bits needed for |v| (the JPEG "category"). */
function magnitudeBits(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a > 0) {
    n++;
    a >>= 1;
  }
  return n;
}

/** Huffman-codes one quantised block; returns its DC value for the next block's prediction. */
function encodeBlock(w: BitWriter, coef: Int32Array, previousDc: number, dc: HuffmanTable, ac: HuffmanTable): number {
  const diff = coef[0] - previousDc;
  const dcBits = magnitudeBits(diff);
  w.write(dc.code[dcBits], dc.length[dcBits]);
  if (dcBits > 0) w.write(diff < 0 ? diff - 1 : diff, dcBits);

  let last = 63;
  while (last > 0 && coef[ZIGZAG[last]] === 0) last--;
  let zeros = 0;
  for (let k = 1; k <= last; k++) {
    const v = coef[ZIGZAG[k]];
    if (v === 0) {
      zeros++;
      continue;
    }
    while (zeros > 15) {
      w.write(ac.code[0xf0], ac.length[0xf0]);
      zeros -= 16;
    }
    const bits = magnitudeBits(v);
    const symbol = (zeros << 4) | bits;
    w.write(ac.code[symbol], ac.length[symbol]);
    w.write(v < 0 ? v - 1 : v, bits);
    zeros = 0;
  }
  if (last < 63) w.write(ac.code[0], ac.length[0]);
  return coef[0];
}

function writeHeaders(w: BitWriter, width: number, height: number, lumaQ: Uint8Array, chromaQ: Uint8Array): void {
  w.word(0xffd8); // SOI
  w.word(0xffe0); // APP0 JFIF 1.1, no density, no thumbnail
  w.word(16);
  w.bytes([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  w.word(0xffdb); // DQT, both tables
  w.word(2 + 2 * 65);
  w.byte(0);
  w.bytes(lumaQ);
  w.byte(1);
  w.bytes(chromaQ);
  w.word(0xffc0); // SOF0: 3 components, Y sampled 2x2, Cb and Cr 1x1
  w.word(17);
  w.byte(8);
  w.word(height);
  w.word(width);
  w.bytes([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  w.word(0xffc4); // DHT, four tables
  const tables: Array<[number, HuffmanTable]> = [
    [0x00, DC_LUMA],
    [0x10, AC_LUMA],
    [0x01, DC_CHROMA],
    [0x11, AC_CHROMA],
  ];
  w.word(2 + tables.reduce((n, [, t]) => n + 17 + t.symbols.length, 0));
  for (const [id, t] of tables) {
    w.byte(id);
    w.bytes(t.counts);
    w.bytes(t.symbols);
  }
  w.word(0xffda); // SOS
  w.word(12);
  w.bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

/**
 * Encodes tightly packed RGBA8 (alpha ignored) as a baseline JPEG. Edge blocks repeat the last
 * row/column so odd sizes encode without dark borders.
 */
export function encodeJpegJs(rgba: Uint8Array, width: number, height: number, quality: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`invalid JPEG size ${width}x${height}`);
  }
  if (rgba.length < width * height * 4) {
    throw new RangeError(`RGBA buffer holds ${rgba.length} bytes, ${width}x${height} needs ${width * height * 4}`);
  }
  const lumaQ = scaledQuant(LUMA_QUANT, quality);
  const chromaQ = scaledQuant(CHROMA_QUANT, quality);
  const lumaDiv = divisors(lumaQ);
  const chromaDiv = divisors(chromaQ);
  const w = new BitWriter(Math.max(4096, (width * height) >> 2));
  writeHeaders(w, width, height, lumaQ, chromaQ);

  const y = [new Float32Array(64), new Float32Array(64), new Float32Array(64), new Float32Array(64)];
  const cb = new Float32Array(64);
  const cr = new Float32Array(64);
  const coef = new Int32Array(64);
  let dcY = 0;
  let dcCb = 0;
  let dcCr = 0;
  for (let my = 0; my < height; my += 16) {
    for (let mx = 0; mx < width; mx += 16) {
      cb.fill(0);
      cr.fill(0);
      for (let py = 0; py < 16; py++) {
        const sy = Math.min(my + py, height - 1);
        for (let px = 0; px < 16; px++) {
          const sx = Math.min(mx + px, width - 1);
          const s = (sy * width + sx) * 4;
          const r = rgba[s];
          const g = rgba[s + 1];
          const b = rgba[s + 2];
          const block = y[((py >> 3) << 1) | (px >> 3)];
          block[((py & 7) << 3) | (px & 7)] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          // Chroma is averaged over each 2x2 pixel group (4:2:0).
          const c = ((py >> 1) << 3) | (px >> 1);
          cb[c] += 0.25 * (-0.168736 * r - 0.331264 * g + 0.5 * b);
          cr[c] += 0.25 * (0.5 * r - 0.418688 * g - 0.081312 * b);
        }
      }
      for (const block of y) {
        forwardDct(block, lumaDiv, coef);
        dcY = encodeBlock(w, coef, dcY, DC_LUMA, AC_LUMA);
      }
      forwardDct(cb, chromaDiv, coef);
      dcCb = encodeBlock(w, coef, dcCb, DC_CHROMA, AC_CHROMA);
      forwardDct(cr, chromaDiv, coef);
      dcCr = encodeBlock(w, coef, dcCr, DC_CHROMA, AC_CHROMA);
    }
  }
  w.flush();
  w.word(0xffd9); // EOI
  return Buffer.from(w.result());
}
