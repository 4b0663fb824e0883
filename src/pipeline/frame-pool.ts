import type { Frame } from './frame.js';

/**
 * A fixed set of reusable RGBA buffers. The pool never grows past `capacity`: when every frame is
 * in use, acquire() returns null and the caller drops the frame (a live pipeline prefers dropping
 * to queueing). Reference counts let the matte and composite stages hold the same frame.
 */
export class FramePool {
  private readonly free: PooledFrame[] = [];
  private created = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly capacity: number,
  ) {
    if (capacity < 1) throw new RangeError('FramePool capacity must be >= 1');
  }

  /** Frames currently handed out. */
  get inUse(): number {
    return this.created - this.free.length;
  }

  /** A frame with refcount 1, or null when all `capacity` frames are in use. */
  acquire(seq: number, captureMs: number): PooledFrame | null {
    let frame = this.free.pop();
    if (!frame) {
      if (this.created >= this.capacity) return null;
      frame = new PooledFrame(this, this.width, this.height);
      this.created++;
    }
    frame.reset(seq, captureMs);
    return frame;
  }

  /** @internal called by PooledFrame when its last reference goes. */
  recycle(frame: PooledFrame): void {
    this.free.push(frame);
  }
}

export class PooledFrame implements Frame {
  seq = 0;
  captureMs = 0;
  readonly rgba: Uint8Array;
  private refs = 0;

  constructor(
    private readonly pool: FramePool,
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
  }

  reset(seq: number, captureMs: number): void {
    this.seq = seq;
    this.captureMs = captureMs;
    this.refs = 1;
  }

  get refCount(): number {
    return this.refs;
  }

  retain(): Frame {
    if (this.refs <= 0) throw new Error(`frame ${this.seq} retained after its release`);
    this.refs++;
    return this;
  }

  release(): void {
    if (this.refs <= 0) throw new Error(`frame ${this.seq} released twice`);
    if (--this.refs === 0) this.pool.recycle(this);
  }
}
