#include "convert.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

[[gnu::always_inline]] inline uint32_t Clamp8(int32_t value) { return uint32_t(std::min(std::max(value, 0), 255)); }

// Pixels move as whole 32-bit words (RGBA, or one YUYV pair) and channels are taken apart with
// shifts: the vectoriser then uses plain vector loads and stores instead of the byte shuffles an
// interleaved p[0], p[1], p[2] access needs (three times faster for RGBA -> YUYV).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the word layouts below assume little endian");

[[gnu::always_inline]] inline uint32_t LoadWord(const uint8_t* p) {
  uint32_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

[[gnu::always_inline]] inline void StoreWord(uint8_t* p, uint32_t word) { std::memcpy(p, &word, sizeof(word)); }

[[gnu::always_inline]] inline int32_t Red(uint32_t rgba) { return int32_t(rgba & 0xFF); }
[[gnu::always_inline]] inline int32_t Green(uint32_t rgba) { return int32_t((rgba >> 8) & 0xFF); }
[[gnu::always_inline]] inline int32_t Blue(uint32_t rgba) { return int32_t((rgba >> 16) & 0xFF); }

// Chroma from the sum of 2^extra_shift pixels (2 for YUYV, 4 for I420): the averaging happens
// in the final shift, so it costs nothing and rounds once.
[[gnu::always_inline]] inline int32_t ChromaRound(int extra_shift) {
  return (128 << (kShift + extra_shift)) + (1 << (kShift + extra_shift - 1));
}

[[gnu::always_inline]] inline int32_t Luma(uint32_t rgba, const YuvCoefficients& c, int32_t round) {
  return (c.yr * Red(rgba) + c.yg * Green(rgba) + c.yb * Blue(rgba) + round) >> kShift;
}

// One opaque RGBA word from luma and centred chroma.
[[gnu::always_inline]] inline uint32_t RgbaWord(int32_t luma, int32_t u, int32_t v, const YuvCoefficients& c) {
  const int32_t y = (luma - c.y_offset) * c.y_gain + kHalf;
  const uint32_t r = Clamp8((y + c.r_v * v) >> kShift);
  const uint32_t g = Clamp8((y - c.g_u * u - c.g_v * v) >> kShift);
  const uint32_t b = Clamp8((y + c.b_u * u) >> kShift);
  return r | (g << 8) | (b << 16) | 0xFF000000u;
}

// One row pair of I420: luma for both rows and one row of U and V at half width, read in a
// single pass. For the last row of an odd height, `bottom` repeats `top` and kBottomLuma is
// false; odd widths repeat the last column for chroma. Always inlined, so each clone of the
// public functions gets its own vector code (an out-of-line helper would be baseline only).
template <bool kBottomLuma>
[[gnu::always_inline]] inline void RowPair420(const uint8_t* __restrict top, const uint8_t* __restrict bottom, int width,
                                              uint8_t* __restrict y_top, uint8_t* __restrict y_bottom,
                                              uint8_t* __restrict u_out, uint8_t* __restrict v_out,
                                              const YuvCoefficients& c) {
  const int32_t y_round = (c.y_offset << kShift) + kHalf;
  const int32_t round = ChromaRound(2);
  const int pairs = width / 2;
  for (int x = 0; x < pairs; ++x) {
    const uint32_t a0 = LoadWord(top + 8 * x), a1 = LoadWord(top + 8 * x + 4);
    const uint32_t b0 = LoadWord(bottom + 8 * x), b1 = LoadWord(bottom + 8 * x + 4);
    y_top[2 * x] = uint8_t(Clamp8(Luma(a0, c, y_round)));
    y_top[2 * x + 1] = uint8_t(Clamp8(Luma(a1, c, y_round)));
    if (kBottomLuma) {
      y_bottom[2 * x] = uint8_t(Clamp8(Luma(b0, c, y_round)));
      y_bottom[2 * x + 1] = uint8_t(Clamp8(Luma(b1, c, y_round)));
    }
    const int32_t r = Red(a0) + Red(a1) + Red(b0) + Red(b1);
    const int32_t g = Green(a0) + Green(a1) + Green(b0) + Green(b1);
    const int32_t b = Blue(a0) + Blue(a1) + Blue(b0) + Blue(b1);
    u_out[x] = uint8_t(Clamp8((c.ur * r + c.ug * g + c.ub * b + round) >> (kShift + 2)));
    v_out[x] = uint8_t(Clamp8((c.vr * r + c.vg * g + c.vb * b + round) >> (kShift + 2)));
  }
  if (width & 1) {
    const uint32_t a = LoadWord(top + 4 * (width - 1));
    const uint32_t b = LoadWord(bottom + 4 * (width - 1));
    y_top[width - 1] = uint8_t(Clamp8(Luma(a, c, y_round)));
    if (kBottomLuma) y_bottom[width - 1] = uint8_t(Clamp8(Luma(b, c, y_round)));
    const int32_t r = 2 * (Red(a) + Red(b));
    const int32_t g = 2 * (Green(a) + Green(b));
    const int32_t bl = 2 * (Blue(a) + Blue(b));
    u_out[pairs] = uint8_t(Clamp8((c.ur * r + c.ug * g + c.ub * bl + round) >> (kShift + 2)));
    v_out[pairs] = uint8_t(Clamp8((c.vr * r + c.vg * g + c.vb * bl + round) >> (kShift + 2)));
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

FACEMAT_VECTOR_CLONES void RgbaToYuyv(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* yuyv,
                                      size_t yuyv_stride, const YuvCoefficients& c) {
  const int32_t y_round = (c.y_offset << kShift) + kHalf;
  const int32_t c_round = ChromaRound(1);
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict in = rgba + row * rgba_stride;
    uint8_t* __restrict out = yuyv + row * yuyv_stride;
    for (int x = 0; x < pairs; ++x) {
      const uint32_t p0 = LoadWord(in + 8 * x), p1 = LoadWord(in + 8 * x + 4);
      const int32_t r = Red(p0) + Red(p1), g = Green(p0) + Green(p1), b = Blue(p0) + Blue(p1);
      const uint32_t y0 = Clamp8(Luma(p0, c, y_round));
      const uint32_t y1 = Clamp8(Luma(p1, c, y_round));
      const uint32_t u = Clamp8((c.ur * r + c.ug * g + c.ub * b + c_round) >> (kShift + 1));
      const uint32_t v = Clamp8((c.vr * r + c.vg * g + c.vb * b + c_round) >> (kShift + 1));
      StoreWord(out + 4 * x, y0 | (u << 8) | (y1 << 16) | (v << 24));
    }
  }
}

FACEMAT_VECTOR_CLONES void RgbaToI420(const uint8_t* rgba, size_t rgba_stride, int width, int height, uint8_t* y,
                                      size_t y_stride, uint8_t* u, size_t u_stride, uint8_t* v, size_t v_stride,
                                      const YuvCoefficients& c) {
  int row = 0;
  for (; row + 1 < height; row += 2) {
    const uint8_t* top = rgba + row * rgba_stride;
    RowPair420<true>(top, top + rgba_stride, width, y + row * y_stride, y + (row + 1) * y_stride,
                     u + (row / 2) * u_stride, v + (row / 2) * v_stride, c);
  }
  if (row < height) {
    const uint8_t* top = rgba + row * rgba_stride;
    RowPair420<false>(top, top, width, y + row * y_stride, nullptr, u + (row / 2) * u_stride, v + (row / 2) * v_stride, c);
  }
}

FACEMAT_VECTOR_CLONES void YuyvToRgba(const uint8_t* yuyv, size_t yuyv_stride, int width, int height, uint8_t* rgba,
                                      size_t rgba_stride, const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict in = yuyv + row * yuyv_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      const uint32_t word = LoadWord(in + 4 * x);
      const int32_t y0 = int32_t(word & 0xFF), u = int32_t((word >> 8) & 0xFF) - 128;
      const int32_t y1 = int32_t((word >> 16) & 0xFF), v = int32_t(word >> 24) - 128;
      StoreWord(out + 8 * x, RgbaWord(y0, u, v, c));
      StoreWord(out + 8 * x + 4, RgbaWord(y1, u, v, c));
    }
  }
}

FACEMAT_VECTOR_CLONES void Nv12ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* uv, size_t uv_stride, int width,
                                      int height, uint8_t* rgba, size_t rgba_stride, const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict luma = y + row * y_stride;
    const uint8_t* __restrict chroma = uv + (row / 2) * uv_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      const int32_t u = int32_t(chroma[2 * x]) - 128, v = int32_t(chroma[2 * x + 1]) - 128;
      StoreWord(out + 8 * x, RgbaWord(luma[2 * x], u, v, c));
      StoreWord(out + 8 * x + 4, RgbaWord(luma[2 * x + 1], u, v, c));
    }
    if (width & 1) {
      StoreWord(out + 4 * (width - 1),
                RgbaWord(luma[width - 1], int32_t(chroma[2 * pairs]) - 128, int32_t(chroma[2 * pairs + 1]) - 128, c));
    }
  }
}

FACEMAT_VECTOR_CLONES void I420ToRgba(const uint8_t* y, size_t y_stride, const uint8_t* u, size_t u_stride,
                                      const uint8_t* v, size_t v_stride, int width, int height, uint8_t* rgba,
                                      size_t rgba_stride, const YuvCoefficients& c) {
  const int pairs = width / 2;
  for (int row = 0; row < height; ++row) {
    const uint8_t* __restrict luma = y + row * y_stride;
    const uint8_t* __restrict cb = u + (row / 2) * u_stride;
    const uint8_t* __restrict cr = v + (row / 2) * v_stride;
    uint8_t* __restrict out = rgba + row * rgba_stride;
    for (int x = 0; x < pairs; ++x) {
      const int32_t du = int32_t(cb[x]) - 128, dv = int32_t(cr[x]) - 128;
      StoreWord(out + 8 * x, RgbaWord(luma[2 * x], du, dv, c));
      StoreWord(out + 8 * x + 4, RgbaWord(luma[2 * x + 1], du, dv, c));
    }
    if (width & 1) {
      StoreWord(out + 4 * (width - 1), RgbaWord(luma[width - 1], int32_t(cb[pairs]) - 128, int32_t(cr[pairs]) - 128, c));
    }
  }
}

}  // namespace facemat
