import type { Frame, Matte, Rect } from '../frame.js';

/**
 * Stage 2: the FaceMat student. run() must not block the event loop for the inference itself
 * (onnxruntime runs on its own threads), so capture and compositing go on while a matte is made.
 */
export interface MatteEngine {
  /** Short description for logs, e.g. "facemat-student 256x256 on cpu (2 threads)". */
  readonly description: string;
  /** The execution provider really in use: 'tensorrt' | 'cuda' | 'cpu' | 'none'. */
  readonly provider: string;
  /**
   * Produces the matte for `frame`. The frame is retained by the caller for the whole call.
   * `roi`, when given, is the frame region to run the model on instead of the engine's own choice
   * (a still image's second pass on its face crop).
   */
  run(frame: Frame, roi?: Rect): Promise<Matte>;
  close(): Promise<void>;
}
