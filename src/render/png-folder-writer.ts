import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { FrameWriter } from './frame-writer.js';

/**
 * PNG files named after the input images (holiday.jpg -> DIR/holiday.png), written from node:
 * for image inputs, where each output belongs to one picture. RGBA, or 8-bit gray for mattes.
 */
export class PngFolderWriter implements FrameWriter {
  readonly description: string;

  constructor(
    private readonly dir: string,
    private readonly width: number,
    private readonly height: number,
    private readonly gray: boolean,
    private readonly nameOf: (index: number) => string,
  ) {
    this.description = dir;
  }

  async open(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
  }

  async write(pixels: Uint8Array, _pts: number, index: number): Promise<void> {
    const png = new PNG({ width: this.width, height: this.height, colorType: this.gray ? 0 : 2, inputColorType: this.gray ? 0 : 6, inputHasAlpha: !this.gray });
    png.data = Buffer.from(pixels.subarray(0, this.width * this.height * (this.gray ? 1 : 4)));
    await writeFile(join(this.dir, `${this.nameOf(index)}.png`), PNG.sync.write(png, { colorType: this.gray ? 0 : 2, inputColorType: this.gray ? 0 : 6, inputHasAlpha: !this.gray }));
  }

  async close(): Promise<void> {}
}
