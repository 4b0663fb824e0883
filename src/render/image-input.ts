import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { decodeImageFile, type DecodedImage } from '../pipeline/matte/index.js';
import type { FrameInput, TimeBase } from './frame-input.js';
import { DecodeError, InputError } from './frame-input.js';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

/**
 * A PNG or JPEG image, or a folder of them taken in name order as the frames of a sequence (the
 * temporal filter and face crop follow from one to the next), at `fps` for video outputs. All
 * must have the first one's size.
 */
export class ImageInput implements FrameInput {
  readonly description: string;
  readonly audio = null;
  readonly timeBase: TimeBase;
  width = 0;
  height = 0;
  expectedFrames: { count: number; exact: boolean } | null = null;
  private files: string[] = [];
  private next = 0;
  private first: DecodedImage | null = null;

  constructor(
    private readonly path: string,
    readonly fps: number,
  ) {
    this.description = path;
    this.timeBase = { num: 1, den: fps };
  }

  frameName(index: number): string {
    return basename(this.files[index], extname(this.files[index]));
  }

  async open(): Promise<void> {
    if (statSync(this.path).isDirectory()) {
      this.files = readdirSync(this.path)
        .filter(isImagePath)
        .sort()
        .map((name) => join(this.path, name));
      if (this.files.length === 0) throw new InputError(`no PNG or JPEG images in ${this.path}`);
    } else {
      this.files = [this.path];
    }
    this.expectedFrames = { count: this.files.length, exact: true };
    this.first = await this.decode(0);
    this.width = this.first.width;
    this.height = this.first.height;
  }

  async read(target: Uint8Array): Promise<number | null> {
    const index = this.next;
    if (index >= this.files.length) return null;
    const image = index === 0 && this.first ? this.first : await this.decode(index);
    this.first = null;
    if (image.width !== this.width || image.height !== this.height) {
      throw new DecodeError(`${basename(this.files[index])} is ${image.width}x${image.height}, the images before it ${this.width}x${this.height}; render images of one size together`, index, this.files.length);
    }
    target.set(image.rgba);
    this.next++;
    return index;
  }

  async close(): Promise<void> {
    this.first = null;
  }

  private async decode(index: number): Promise<DecodedImage> {
    try {
      return await decodeImageFile(this.files[index]);
    } catch (err) {
      if (index === 0) throw new InputError(`${this.files[index]}: ${(err as Error).message}`);
      throw new DecodeError(`${basename(this.files[index])}: ${(err as Error).message}`, index, this.files.length);
    }
  }
}
