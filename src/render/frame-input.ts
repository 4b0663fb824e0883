/** A rational time base: one tick of a pts is num/den seconds. */
export interface TimeBase {
  num: number;
  den: number;
}

/** The audio of an input, kept in the output when the container can hold it. */
export interface AudioInfo {
  /** ffmpeg's codec name of the first audio stream, e.g. "aac", "opus". */
  codec: string;
  /** The file ffmpeg reads it from (the input itself). */
  path: string;
}

/**
 * Where render's frames come from: a video file, still images, or a camera. Every frame comes
 * with its presentation time; frames come in presentation order, each once.
 */
export interface FrameInput {
  readonly description: string;
  /** Known after open(). */
  readonly width: number;
  readonly height: number;
  /** The time base of the pts read() returns. */
  readonly timeBase: TimeBase;
  /** Frames expected (for progress), `exact` when the container says so; null when unknown. */
  readonly expectedFrames: { count: number; exact: boolean } | null;
  /** Frames per second for outputs that have one rate (y4m), and for progress. */
  readonly fps: number;
  readonly audio: AudioInfo | null;
  /** The name of each frame for PNG outputs of image inputs ("holiday" for holiday.jpg), else absent. */
  frameName?(index: number): string;
  open(): Promise<void>;
  /**
   * Writes the next frame, RGBA8 at width x height, into `target` and resolves with its pts (in
   * timeBase ticks), or null at the end. Rejects with DecodeError when the input cannot be read on.
   */
  read(target: Uint8Array): Promise<number | null>;
  close(): Promise<void>;
}

/** The input could not be read past a frame: `frames` were read well before it. */
export class DecodeError extends Error {
  constructor(
    /** Why, in the decoder's words. */
    readonly reason: string,
    /** Frames read before the failure; the failing frame is number frames + 1. */
    readonly frames: number,
    /** Frames the input should have had, when known. */
    readonly expected: number | null,
  ) {
    super(`decoding stopped at frame ${frames + 1}${expected ? ` of ${expected}` : ''}: ${reason}`);
    this.name = 'DecodeError';
  }
}

/** An input that cannot be opened at all (missing, not a video, no video stream). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
