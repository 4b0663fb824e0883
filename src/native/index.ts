/**
 * The native addon's API for the rest of the app: pixel conversions, JPEG, the model-input
 * resize, the guided matte upsampling and device enumeration (the capture and output device classes come from loadNative()). Every conversion writes
 * into a caller-provided buffer (no allocation per frame); buffers are checked in C++ and a
 * wrong size throws a RangeError naming the argument. Loading is lazy: the first call loads
 * the addon, and a missing build throws one NativeLoadError line saying how to build it.
 */
import type { DeviceInfo, NativeBinding, YuvMatrixName } from './binding.js';
import { loadNative } from './loader.js';

export type * from './binding.js';
export { BUILD_COMMAND, NativeLoadError, addonPath, loadAddon, loadNative, nativeStatus } from './loader.js';

/** RGBA -> packed YUYV 4:2:2 (width must be even). BT.601 limited range unless told otherwise. */
export function rgbaToYuyv(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void {
  loadNative().rgbaToYuyv(src, width, height, dst, matrix);
}

/** RGBA -> planar I420 (Y, U, V; chroma planes rounded up for odd sizes). */
export function rgbaToI420(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void {
  loadNative().rgbaToI420(src, width, height, dst, matrix);
}

export function yuyvToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void {
  loadNative().yuyvToRgba(src, width, height, dst, matrix);
}

/** NV12: the Y plane, then interleaved U,V at half resolution. */
export function nv12ToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void {
  loadNative().nv12ToRgba(src, width, height, dst, matrix);
}

export function i420ToRgba(src: Uint8Array, width: number, height: number, dst: Uint8Array, matrix?: YuvMatrixName): void {
  loadNative().i420ToRgba(src, width, height, dst, matrix);
}

/** The dimensions of a JPEG; throws (code EJPEG) when it is not one. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } {
  return loadNative().jpegSize(jpeg);
}

/** Decodes a JPEG to RGBA in `dst` (at least width*height*4 bytes, see jpegSize). */
export function decodeJpeg(jpeg: Uint8Array, dst: Uint8Array): { width: number; height: number } {
  return loadNative().decodeJpeg(jpeg, dst);
}

/** Encodes RGBA as a 4:2:0 JPEG (quality 1-100); returns a new Buffer. */
export function encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Buffer {
  return loadNative().encodeJpeg(rgba, width, height, quality);
}

/**
 * The matting model's input: `roi` of an RGBA frame resampled to dstWidth x dstHeight into a
 * planar float tensor (3 x dstHeight x dstWidth), value = (pixel / scale - mean) / std.
 * Bilinear, or area averaging where the region shrinks by more than 2x; the part of the region
 * outside the frame is black before normalisation.
 */
export function resizeToTensor(...args: Parameters<NativeBinding['resizeToTensor']>): void {
  loadNative().resizeToTensor(...args);
}

/**
 * A low-resolution matte (alphaWidth x alphaHeight) covering `roi` of an RGBA frame, upsampled to
 * the frame by a fast guided filter guided by the frame's luma (box radius in matte pixels, eps
 * the regularisation; the model of guidedUpsampleTypeScript in src/pipeline/matte/upsample.ts).
 * `dst` (width x height) gets alpha in [0, 1] when it is a Float32Array, 8-bit gray (alpha * 255,
 * rounded) when it is a Uint8Array; pixels outside the roi get 0.
 */
export function guidedUpsample(...args: Parameters<NativeBinding['guidedUpsample']>): void {
  loadNative().guidedUpsample(...args);
}

/** Every /dev/videoN node with its card, driver, capabilities and capture formats. */
export function listDevices(): DeviceInfo[] {
  return loadNative().listDevices();
}

/** One node, also one outside /dev/videoN such as /dev/v4l/by-id/... */
export function describeDevice(path: string): DeviceInfo {
  return loadNative().describeDevice(path);
}
