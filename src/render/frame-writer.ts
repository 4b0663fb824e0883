/** Where render's composited frames go (an ffmpeg encoder, or PNG files for image inputs). */
export interface FrameWriter {
  readonly description: string;
  /**
   * Takes frame `index` (from 0) with its pts; `pixels` is RGBA8 (or gray, one byte a pixel, when
   * the writer was made for gray) and is reused by the caller once the promise resolves. Resolves
   * when the writer can take the next frame.
   */
  write(pixels: Uint8Array, pts: number, index: number): Promise<void>;
  /** Finishes the file(s): every frame taken is in them and they play. */
  close(): Promise<void>;
}
