// Pixel format conversions on the hot path (webcam -> RGBA, RGBA -> virtual camera).
//
// Fixed point with 16 fractional bits, one plain loop per row over pixel pairs, no branches in
// the loop body but min/max clamps: written so GCC's -O3 vectoriser turns them into SIMD code
// (see docs/native.md for the measured cost). Every function takes strides, so camera buffers
// with padded rows convert without a copy; RGBA is always R,G,B,A in memory and the output
// alpha is 255.
#pragma once

#include <cstddef>
#include <cstdint>

// On x86-64 each conversion (and the resize) is compiled twice, for AVX2 and for the baseline
// (SSE2), and the dynamic loader picks one when the addon loads (GCC function multi-versioning):
// AVX2 halves the time and the addon still runs on any x86-64. The attribute goes on the
// definitions only (on a declaration GCC 12 makes every caller emit its own resolver).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FACEMAT_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FACEMAT_VECTOR_CLONES
#endif

namespace facemat {

enum class YuvMatrix { kBt601, kBt709 };
enum class YuvRange { kLimited, kFull };

// The fixed-point form of one matrix and range, both directions.
struct YuvCoefficients {
  // RGB -> YUV: y = (yr*R + yg*G + yb*B + (yoffset << 16)) >> 16, likewise u and v around 128.
  int32_t yr, yg, yb;
  int32_t ur, ug, ub;
  int32_t vr, vg, vb;
  int32_t y_offset;  // 16 (limited) or 0 (full)
  // YUV -> RGB: R = (y_gain*(Y - y_offset) + r_v*(V-128)) >> 16, G and B likewise.
  int32_t y_gain;
  int32_t r_v, g_u, g_v, b_u;
};

const YuvCoefficients& Coefficients(YuvMatrix matrix, YuvRange range);

// width must be even (YUYV packs pixel pairs).
void RgbaToYuyv(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* yuyv, size_t yuyv_stride,
                const YuvCoefficients& c);

// Planar I420 (Y, then U, then V at half resolution rounded up); odd sizes replicate the edge.
void RgbaToI420(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* y, size_t y_stride,
                uint8_t* u, size_t u_stride, uint8_t* v, size_t v_stride, const YuvCoefficients& c);

void YuyvToRgba(const uint8_t* yuyv, size_t yuyv_stride, int width, int height, uint8_t* rgba, size_t rgba_stride,
                const YuvCoefficients& c);

// NV12: a Y plane and one interleaved U,V plane at half resolution.
void Nv12ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* uv, size_t uv_stride, int width, int height,
                uint8_t* rgba, size_t rgba_stride, const YuvCoefficients& c);

void I420ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* u, size_t u_stride, const uint8_t* v,
                size_t v_stride, int width, int height, uint8_t* rgba, size_t rgba_stride, const YuvCoefficients& c);

// Bytes of a tightly packed frame.
inline size_t YuyvBytes(int width, int height) { return size_t(width) * height * 2; }
inline size_t I420Bytes(int width, int height) {
  return size_t(width) * height + 2 * size_t((width + 1) / 2) * ((height + 1) / 2);
}
inline size_t Nv12Bytes(int width, int height) {
  return size_t(width) * height + 2 * size_t((width + 1) / 2) * ((height + 1) / 2);
}

}  // namespace facemat
