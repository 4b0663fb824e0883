#include "convert.h"

#include <algorithm>
#include <cmath>

namespace facemat {
namespace {

constexpr int kShift = 16;
constexpr int32_t kHalf = 1 << (kShift - 1);

int32_t Fixed(double value) { return int32_t(std::lround(value * (1 << kShift))); }

YuvCoefficients Derive(double kr, double kb, YuvRange range) {
  const double kg = 1.0 - kr - kb;
  const bool limited = range == YuvRange::kLimited;
  const double ys = limited ? 219.0 / 255.0 : 1.0;  // luma excursion
  const double cs = limited ? 224.0 / 255.0 : 1.0;  // chroma excursion
  const double us = cs / (2.0 * (1.0 - kb));
  const double vs = cs / (2.0 * (1.0 - kr));
  YuvCoefficients c{};
  c.yr = Fixed(ys * kr);
  c.yg = Fixed(ys * kg);
  c.yb = Fixed(ys * kb);
  c.ur = Fixed(-us * kr);
  c.ug = Fixed(-us * kg);
  c.ub = Fixed(us * (1.0 - kb));
  c.vr = Fixed(vs * (1.0 - kr));
  c.vg = Fixed(-vs * kg);
  c.vb = Fixed(-vs * kb);
  c.y_offset = limited ? 16 : 0;
  c.y_gain = Fixed(1.0 / ys);
  c.r_v = Fixed(2.0 * (1.0 - kr) / cs);
  c.b_u = Fixed(2.0 * (1.0 - kb) / cs);
  c.g_u = Fixed(2.0 * kb * (1.0 - kb) / (kg * cs));
  c.g_v = Fixed(2.0 * kr * (1.0 - kr) / (kg * cs));
  return c;
}

inline uint8_t Clamp8(int32_t value) { return uint8_t(std::min(std::max(value, 0), 255)); }

// Chroma from the sum of 2^extra_shift pixels (2 for YUYV, 4 for I420): the averaging happens
// in the final shift, so it costs nothing and rounds once.
inline int32_t ChromaRound(int extra_shift) {
  return (128 << (kShift + extra_shift)) + (1 << (kShift + extra_shift - 1));
}

// Writes two RGBA pixels sharing one chroma sample.
inline void StorePair(uint8_t* __restrict out, int32_t luma0, int32_t luma1, int32_t u, int32_t v,
                      const YuvCoefficients& c) {
  const int32_t y0 = (luma0 - c.y_offset) * c.y_gain + kHalf;
  const int32_t y1 = (luma1 - c.y_offset) * c.y_gain + kHalf;
  const int32_t dr = c.r_v * v;
  const int32_t dg = -c.g_u * u - c.g_v * v;
  const int32_t db = c.b_u * u;
  out[0] = Clamp8((y0 + dr) >> kShift);
  out[1] = Clamp8((y0 + dg) >> kShift);
  out[2] = Clamp8((y0 + db) >> kShift);
  out[3] = 255;
  out[4] = Clamp8((y1 + dr) >> kShift);
  out[5] = Clamp8((y1 + dg) >> kShift);
  out[6] = Clamp8((y1 + db) >> kShift);
  out[7] = 255;
}

inline void StoreOne(uint8_t* __restrict out, int32_t luma, int32_t u, int32_t v, const YuvCoefficients& c) {
  const int32_t y = (luma - c.y_offset) * c.y_gain + kHalf;
  out[0] = Clamp8((y + c.r_v * v) >> kShift);
  out[1] = Clamp8((y - c.g_u * u - c.g_v * v) >> kShift);
  out[2] = Clamp8((y + c.b_u * u) >> kShift);
  out[3] = 255;
}

inline int32_t Luma(const uint8_t* p, const YuvCoefficients& c, int32_t round) {
  return (c.yr * p[0] + c.yg * p[1] + c.yb * p[2] + round) >> kShift;
}

// One row of planar chroma (U and V at half width) from a 4:2:0 row pair whose row sums are
// given by two RGBA rows; odd widths repeat the last column.
void ChromaRow420(const uint8_t* __restrict top, const uint8_t* __restrict bottom, int width,
                  uint8_t* __restrict u_out, uint8_t* __restrict v_out, const YuvCoefficients& c) {
  const int32_t round = ChromaRound(2);
  const int pairs = width / 2;
  for (int x = 0; x < pairs; ++x) {
    const uint8_t* a = top + 8 * x;
    const uint8_t* b = bottom + 8 * x;
    const int32_t r = a[0] + a[4] + b[0] + b[4];
    const int32_t g = a[1] + a[5] + b[1] + b[5];
    const int32_t bl = a[2] + a[6] + b[2] + b[6];
    u_out[x] = Clamp8((c.ur * r + c.ug * g + c.ub * bl + round) >> (kShift + 2));
    v_out[x] = Clamp8((c.vr * r + c.vg * g + c.vb * bl + round) >> (kShift + 2));
  }
  if (width & 1) {
    const uint8_t* a = top + 4 * (width - 1);
    const uint8_t* b = bottom + 4 * (width - 1);
    const int32_t r = 2 * (a[0] + b[0]);
    const int32_t g = 2 * (a[1] + b[1]);
    const int32_t bl = 2 * (a[2] + b[2]);
    u_out[pairs] = Clamp8((c.ur * r + c.ug * g + c.ub * bl + round) >> (kShift + 2));
    v_out[pairs] = Clamp8((c.vr * r + c.vg * g + c.vb * bl + round) >> (kShift + 2));
  }
}

}  // namespace

const YuvCoefficients& Coefficients(YuvMatrix matrix, YuvRange range) {
  static const YuvCoefficients bt601_limited = Derive(0.299, 0.114, YuvRange::kLimited);
  static const YuvCoefficients bt601_full = Derive(0.299, 0.114, YuvRange::kFull);
  static const YuvCoefficients bt709_limited = Derive(0.2126, 0.0722, YuvRange::kLimited);
  static const YuvCoefficients bt709_full = Derive(0.2126, 0.0722, YuvRange::kFull);
  if (matrix == YuvMatrix::kBt709) return range == YuvRange::kLimited ? bt709_limited : bt709_full;
  return range == YuvRange::kLimited ? bt601_limited : bt601_full;
}

FACEMAT_VECTOR_CLONES void RgbaToYuyv(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* yuyv, size_t yuyv_stride,
                const YuvCoefficients& c) {
  const int32_t y_round = (c.y_offset << kShift) + kHalf;
  const int32_t c_round = ChromaRound(1);
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict in = rgba + row * rgba_stride;
    uint8_t* __restrict out = yuyv + row * yuyv_stride;
    for (int x = 0; x < pairs; ++x) {
      const uint8_t* p = in + 8 * x;
      const int32_t r = p[0] + p[4], g = p[1] + p[5], b = p[2] + p[6];
      out[4 * x + 0] = Clamp8(Luma(p, c, y_round));
      out[4 * x + 1] = Clamp8((c.ur * r + c.ug * g + c.ub * b + c_round) >> (kShift + 1));
      out[4 * x + 2] = Clamp8(Luma(p + 4, c, y_round));
      out[4 * x + 3] = Clamp8((c.vr * r + c.vg * g + c.vb * b + c_round) >> (kShift + 1));
    }
  }
}

FACEMAT_VECTOR_CLONES void RgbaToI420(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* y, size_t y_stride,
                uint8_t* u, size_t u_stride, uint8_t* v, size_t v_stride, const YuvCoefficients& c) {
  const int32_t y_round = (c.y_offset << kShift) + kHalf;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict in = rgba + row * rgba_stride;
    uint8_t* __restrict out = y + row * y_stride;
    for (int x = 0; x < width; ++x) out[x] = Clamp8(Luma(in + 4 * x, c, y_round));
  }
  for (int row = 0; row < height; row += 2) {
    const uint8_t* top = rgba + row * rgba_stride;
    const uint8_t* bottom = row + 1 < height ? top + rgba_stride : top;
    ChromaRow420(top, bottom, width, u + (row / 2) * u_stride, v + (row / 2) * v_stride, c);
  }
}

FACEMAT_VECTOR_CLONES void YuyvToRgba(const uint8_t* yuyv, size_t yuyv_stride, int width, int height, uint8_t* rgba, size_t rgba_stride,
                const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict in = yuyv + row * yuyv_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      const uint8_t* p = in + 4 * x;
      StorePair(out + 8 * x, p[0], p[2], int32_t(p[1]) - 128, int32_t(p[3]) - 128, c);
    }
  }
}

FACEMAT_VECTOR_CLONES void Nv12ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* uv, size_t uv_stride, int width, int height,
                uint8_t* rgba, size_t rgba_stride, const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict luma = y + row * y_stride;
    const uint8_t* __restrict chroma = uv + (row / 2) * uv_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      StorePair(out + 8 * x, luma[2 * x], luma[2 * x + 1], int32_t(chroma[2 * x]) - 128,
                int32_t(chroma[2 * x + 1]) - 128, c);
    }
    if (width & 1) {
      StoreOne(out + 4 * (width - 1), luma[width - 1], int32_t(chroma[2 * pairs]) - 128,
               int32_t(chroma[2 * pairs + 1]) - 128, c);
    }
  }
}

FACEMAT_VECTOR_CLONES void I420ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* u, size_t u_stride, const uint8_t* v,
                size_t v_stride, int width, int height, uint8_t* rgba, size_t rgba_stride, const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict luma = y + row * y_stride;
    const uint8_t* __restrict cb = u + (row / 2) * u_stride;
    const uint8_t* __restrict cr = v + (row / 2) * v_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      StorePair(out + 8 * x, luma[2 * x], luma[2 * x + 1], int32_t(cb[x]) - 128, int32_t(cr[x]) - 128, c);
    }
    if (width & 1) {
      StoreOne(out + 4 * (width - 1), luma[width - 1], int32_t(cb[pairs]) - 128, int32_t(cr[pairs]) - 128, c);
    }
  }
}

}  // namespace facemat
