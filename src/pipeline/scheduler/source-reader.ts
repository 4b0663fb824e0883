import type { VideoFormat } from '../frame.js';
import type { FrameSource } from '../source/frame-source.js';
import { SourceFault } from '../source/frame-source.js';
import type { Clock } from './clock.js';
import { errorMessage } from '../../util/error-message.js';
import { logger } from '../../log.js';

const log = logger('scheduler');

/** What the reader needs of the scheduler while a lost source is being reopened. */
export interface SourceReaderHost {
  readonly clock: Clock;
  /** Aborted when the run stops: every wait ends at once. */
  readonly signal: AbortSignal;
  /** One frame of the "camera disconnected" picture for the sinks, at the source's pace. */
  showDisconnected(): void;
}

/** What read() resolves with. */
export type ReadResult =
  | { kind: 'frame'; captureMs: number }
  /** The source failed and came back; the caller reads again. */
  | { kind: 'recovered' }
  | { kind: 'end-of-stream' }
  /** Failed for good (a fault the source says cannot recover), or the run stopped meanwhile. */
  | { kind: 'failed' | 'stopped' };

/**
 * Reads frames from the source and rides out its failures: a recoverable fault (an unplugged
 * webcam) shows the placeholder at the stream's rate and retries the open every `retryMs` until
 * the source is back at the same size, or the run stops.
 */
export class SourceReader {
  constructor(
    readonly source: FrameSource,
    private readonly host: SourceReaderHost,
    private readonly retryMs = 1000,
  ) {}

  async read(target: Uint8Array, format: VideoFormat): Promise<ReadResult> {
    try {
      const t = await this.source.read(target);
      return t === null ? { kind: 'end-of-stream' } : { kind: 'frame', captureMs: t };
    } catch (err) {
      if (this.host.signal.aborted) return { kind: 'stopped' };
      return this.recover(err, format);
    }
  }

  /** Releases a camera while nobody watches (its light goes off); a failure is only logged. */
  async pause(): Promise<void> {
    try {
      await this.source.pause?.();
    } catch (err) {
      log.warn(`pausing ${this.source.description}: ${errorMessage(err)}`);
    }
  }

  private async recover(err: unknown, format: VideoFormat): Promise<ReadResult> {
    const { source } = this;
    const { clock, signal } = this.host;
    if (err instanceof SourceFault && !err.recoverable) {
      log.error(`${source.description} failed: ${errorMessage(err)}`);
      return { kind: 'failed' };
    }
    log.warn(`${source.description} lost (${errorMessage(err)}); showing a placeholder and reopening`);
    const frameMs = 1000 / format.fps;
    let nextTry = clock.now();
    while (!signal.aborted) {
      this.host.showDisconnected();
      if (clock.now() >= nextTry) {
        nextTry = clock.now() + this.retryMs;
        try {
          await source.close().catch(() => {});
          const back = await source.open(format);
          if (back.width === format.width && back.height === format.height) {
            log.info(`${source.description} is back`);
            return { kind: 'recovered' };
          }
          log.warn(`${source.description} came back as ${back.width}x${back.height}; waiting for ${format.width}x${format.height}`);
        } catch (retryErr) {
          log.debug(`reopen failed: ${errorMessage(retryErr)}`);
        }
      }
      await clock.sleep(frameMs, signal);
    }
    return { kind: 'stopped' };
  }
}
