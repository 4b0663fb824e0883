/**
 * The test build of the addon (native/build/Release/facemat_native_test.node): the production
 * code on top of FakeKernel, a double of V4L2 and v4l2loopback, plus `fakeKernel` to drive it.
 */
import assert from 'node:assert/strict';
import type { NativeBinding, NativeCaptureDevice, NativeLoopbackWriter } from '../../src/native/binding.js';
import { loadAddon } from '../../src/native/loader.js';
import { waitUntil } from '../helpers/wait.js';

export interface FakeSizeSpec {
  width: number;
  height: number;
  fps: number[];
}

export interface FakeCameraSpec {
  path: string;
  card?: string;
  driver?: string;
  bus?: string;
  caps?: Array<'video-capture' | 'video-output' | 'metadata-capture' | 'streaming' | 'readwrite'>;
  formats?: Array<{ fourcc: string; sizes: FakeSizeSpec[] }>;
  colorspace?: number;
  quantization?: number;
  bytesPerLinePadding?: number;
  maxBuffers?: number;
}

export interface FakeLoopbackSpec {
  path: string;
  card?: string;
  exclusiveCaps?: boolean;
  events?: 'current' | 'legacy' | 'none';
}

export interface FakeDeviceState {
  present: boolean;
  streaming: boolean;
  buffers: number;
  queued: number;
  done: number;
  dropped: number;
  fourcc: string;
  width: number;
  height: number;
  bytesPerLine: number;
  sizeImage: number;
  fps: number;
  framesWritten: number;
  readers: number;
  openFiles: number;
  hasWriter: boolean;
}

export interface FakeKernel {
  reset(): void;
  addCamera(spec: FakeCameraSpec): void;
  addLoopback(spec: FakeLoopbackSpec): void;
  /** Fills the oldest queued buffer; false (and counted as dropped) when none is queued. */
  pushFrame(path: string, data: Uint8Array, options?: { error?: boolean }): boolean;
  unplug(path: string): void;
  replug(path: string): void;
  /** Another process owns the stream: S_FMT and REQBUFS answer EBUSY. */
  setBusy(path: string, busy: boolean): void;
  /**
   * A consumer opens the loopback node and starts streaming (event + inotify OPEN); `count`
   * consumers open it at once (their inotify OPEN events merge, as the kernel's do).
   */
  addReader(path: string, count?: number): void;
  removeReader(path: string): void;
  setWriteBehaviour(path: string, behaviour: { maxChunk?: number; eagain?: number }): void;
  lastFrame(path: string): Buffer | null;
  state(path: string): FakeDeviceState;
  /** The ioctls made on the node, in order (QUERYCAP, S_FMT, ...). */
  calls(path: string): string[];
  openFiles(): number;
  mappings(): number;
  /** poll() calls so far, by every thread. */
  polls(): number;
}

export type TestBinding = NativeBinding & { fakeKernel: FakeKernel };

let binding: TestBinding | null = null;

export function testAddon(): TestBinding {
  binding ??= loadAddon<TestBinding>('facemat_native_test');
  return binding;
}

export function kernel(): FakeKernel {
  return testAddon().fakeKernel;
}

/** A typical UVC webcam: MJPEG up to 1080p at 30 fps, YUYV full rate only at 640x480. */
export function addWebcam(path = '/dev/video0', extra: Partial<FakeCameraSpec> = {}): void {
  kernel().addCamera({
    path,
    card: 'HD Webcam',
    formats: [
      {
        fourcc: 'YUYV',
        sizes: [
          { width: 640, height: 480, fps: [30, 15] },
          { width: 1280, height: 720, fps: [10, 5] },
          { width: 320, height: 240, fps: [30] },
        ],
      },
      {
        fourcc: 'MJPG',
        sizes: [
          { width: 1280, height: 720, fps: [30, 15] },
          { width: 1920, height: 1080, fps: [30] },
          { width: 640, height: 480, fps: [30] },
        ],
      },
    ],
    ...extra,
  });
}

/** Resolves after `turns` trips through the event loop (lets thread-safe calls land). */
export async function ticks(turns = 1): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Plays the camera delivering one frame: waits until the capture thread has a buffer queued
 * (it re-queues each one after decoding it), then fills it. Like a real camera at a modest
 * frame rate, it never finds the queue empty, so no frame is lost to timing.
 */
export async function deliver(path: string, data: Uint8Array, options?: { error?: boolean }): Promise<void> {
  await waitUntil(() => kernel().state(path).queued > 0, `a queued buffer on ${path}`);
  if (!kernel().pushFrame(path, data, options)) throw new Error(`${path} did not take the frame`);
}

/**
 * Per test: a reset kernel double and a new CaptureDevice; after it, the device is closed and
 * every descriptor and mapping must have been released. Call inside a describe().
 */
export function useCaptureDevice(): { readonly device: NativeCaptureDevice } {
  const holder = {} as { device: NativeCaptureDevice };
  beforeEach(() => {
    kernel().reset();
    holder.device = new (testAddon().CaptureDevice)();
  });
  afterEach(() => {
    holder.device.close();
    assert.equal(kernel().openFiles(), 0, 'every descriptor closed');
    assert.equal(kernel().mappings(), 0, 'every buffer unmapped');
  });
  return holder;
}

/**
 * Per test: a reset kernel double and a new LoopbackWriter; after it, the writer is closed and
 * every descriptor must have been released. Call inside a describe(), before hooks that add devices.
 */
export function useLoopbackWriter(): { readonly writer: NativeLoopbackWriter } {
  const holder = {} as { writer: NativeLoopbackWriter };
  beforeEach(() => {
    kernel().reset();
    holder.writer = new (testAddon().LoopbackWriter)();
  });
  afterEach(() => {
    holder.writer.close();
    assert.equal(kernel().openFiles(), 0, 'every descriptor closed');
  });
  return holder;
}
