#include "guided_upsample.h"

#include "convert.h"  // FACEMAT_VECTOR_CLONES

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

namespace facemat {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "RGBA words below assume little endian");

// Mean over a (2r+1)^2 window clipped to the plane, by running sums: the TypeScript boxMean's
// arithmetic (double sums, the same order of additions per pixel), with the vertical pass run
// row by row over all columns at once so it walks memory in order.
void BoxMean(const float* src, int w, int h, int r, std::vector<float>* rows, std::vector<double>* sums,
             float* dst) {
  rows->resize(size_t(w) * h);
  float* horizontal = rows->data();
  for (int y = 0; y < h; ++y) {
    const float* in = src + size_t(y) * w;
    float* out = horizontal + size_t(y) * w;
    double sum = 0;
    for (int x = 0; x <= std::min(r, w - 1); ++x) sum += in[x];
    for (int x = 0; x < w; ++x) {
      const int lo = std::max(0, x - r);
      const int hi = std::min(w - 1, x + r);
      out[x] = float(sum / (hi - lo + 1));
      if (x + r + 1 < w) sum += in[x + r + 1];
      if (x - r >= 0) sum -= in[x - r];
    }
  }
  sums->assign(size_t(w), 0.0);
  double* __restrict column = sums->data();
  for (int y = 0; y <= std::min(r, h - 1); ++y) {
    const float* in = horizontal + size_t(y) * w;
    for (int x = 0; x < w; ++x) column[x] += in[x];
  }
  for (int y = 0; y < h; ++y) {
    const double count = std::min(h - 1, y + r) - std::max(0, y - r) + 1;
    float* __restrict out = dst + size_t(y) * w;
    for (int x = 0; x < w; ++x) out[x] = float(column[x] / count);
    if (y + r + 1 < h) {
      const float* in = horizontal + size_t(y + r + 1) * w;
      for (int x = 0; x < w; ++x) column[x] += in[x];
    }
    if (y - r >= 0) {
      const float* in = horizontal + size_t(y - r) * w;
      for (int x = 0; x < w; ++x) column[x] -= in[x];
    }
  }
}

// Per thread, reused: the low-resolution planes of the fit and the full-resolution sampling tables.
struct Scratch {
  std::vector<float> rgb, guide, products, squares, mean_i, mean_p, mean_ip, mean_ii, a, b, mean_a, mean_b;
  std::vector<float> rows;
  std::vector<double> sums;
  std::vector<int> u0, u1;
  std::vector<float> fx;
  std::vector<float> cache[2][2];  // two low-resolution rows of mean_a, mean_b, upsampled along x
  std::vector<float> gray_row;     // one row of alpha before it becomes 8-bit gray
  int cached[2] = {-1, -1};
};

// One per thread, shared by the alpha and gray versions (about 3 MB for a 256x256 matte).
Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// The fitted model's means of a and b at low resolution, in scratch.mean_a / mean_b.
void Fit(const float* alpha, int w, int h, const Roi& roi, const uint8_t* rgba, int width, int height,
         const GuidedFilter& filter, Scratch* s) {
  const size_t n = size_t(w) * h;
  s->rgb.resize(3 * n);
  const TensorNormalisation unit = {{0, 0, 0}, {1, 1, 1}, 255};
  ResizeToTensor(rgba, width, height, roi, s->rgb.data(), w, h, unit);
  for (auto* plane : {&s->guide, &s->products, &s->squares, &s->mean_i, &s->mean_p, &s->mean_ip, &s->mean_ii, &s->a,
                      &s->b, &s->mean_a, &s->mean_b}) {
    plane->resize(n);
  }
  const float* red = s->rgb.data();
  const float* green = red + n;
  const float* blue = green + n;
  for (size_t i = 0; i < n; ++i) {
    const float guide = float(0.299 * red[i] + 0.587 * green[i] + 0.114 * blue[i]);
    s->guide[i] = guide;
    s->products[i] = float(double(guide) * alpha[i]);
    s->squares[i] = float(double(guide) * guide);
  }
  const int r = filter.radius;
  BoxMean(s->guide.data(), w, h, r, &s->rows, &s->sums, s->mean_i.data());
  BoxMean(alpha, w, h, r, &s->rows, &s->sums, s->mean_p.data());
  BoxMean(s->products.data(), w, h, r, &s->rows, &s->sums, s->mean_ip.data());
  BoxMean(s->squares.data(), w, h, r, &s->rows, &s->sums, s->mean_ii.data());
  for (size_t i = 0; i < n; ++i) {
    const double mean_i = s->mean_i[i];
    const double variance = s->mean_ii[i] - mean_i * mean_i;
    const double covariance = s->mean_ip[i] - mean_i * s->mean_p[i];
    const float a = float(covariance / (variance + filter.eps));
    s->a[i] = a;
    s->b[i] = float(s->mean_p[i] - double(a) * mean_i);
  }
  BoxMean(s->a.data(), w, h, r, &s->rows, &s->sums, s->mean_a.data());
  BoxMean(s->b.data(), w, h, r, &s->rows, &s->sums, s->mean_b.data());
}

// Frame pixels [first, end) along one axis have their centre inside the roi (the TypeScript
// PlaneSampler's test, so the same pixels are in and out); first == end when none has.
void InsideRange(double roi_start, double roi_size, int frame_size, int* first, int* end) {
  *first = frame_size;
  *end = frame_size;
  for (int x = 0; x < frame_size; ++x) {
    const double c = x + 0.5 - roi_start;
    const bool inside = c >= 0 && c < roi_size;
    if (inside && *first == frame_size) *first = x;
    if (!inside && *first != frame_size) {
      *end = x;
      return;
    }
  }
}

// Where a frame pixel's centre falls in the plane: bilinear taps i0, i1 and the weight of i1,
// half-pixel centres, clamped to the plane's edges (PlaneSampler's arithmetic, in double).
struct Tap {
  int i0, i1;
  float fraction;
};

Tap PlaneTap(int pixel, double roi_start, double scale, int plane_size) {
  const double c = pixel + 0.5 - roi_start;
  const double u = std::min(std::max(c * scale - 0.5, 0.0), double(plane_size - 1));
  const int i0 = int(std::floor(u));
  return {i0, std::min(i0 + 1, plane_size - 1), float(u - i0)};
}

// Low-resolution row v of mean_a and mean_b upsampled along x over the frame columns inside the
// roi: the slot of scratch.cache holding it, computed into the slot that does not hold row
// `keep` when neither holds it. Frame rows advance through the plane, so each row is computed once.
int CachedRow(Scratch* s, int v, int w, int span, int keep) {
  if (s->cached[0] == v) return 0;
  if (s->cached[1] == v) return 1;
  const int slot = s->cached[0] == keep ? 1 : 0;
  const float* a = s->mean_a.data() + size_t(v) * w;
  const float* b = s->mean_b.data() + size_t(v) * w;
  s->cache[slot][0].resize(span);
  s->cache[slot][1].resize(span);
  float* __restrict ra = s->cache[slot][0].data();
  float* __restrict rb = s->cache[slot][1].data();
  const int* u0 = s->u0.data();
  const int* u1 = s->u1.data();
  const float* fx = s->fx.data();
  for (int i = 0; i < span; ++i) {
    ra[i] = a[u0[i]] + (a[u1[i]] - a[u0[i]]) * fx[i];
    rb[i] = b[u0[i]] + (b[u1[i]] - b[u0[i]]) * fx[i];
  }
  s->cached[slot] = v;
  return slot;
}

template <typename Out>
[[gnu::always_inline]] inline void Upsample(const float* alpha, int w, int h, const Roi& roi, const uint8_t* rgba,
                                            int width, int height, const GuidedFilter& filter, Out* dst) {
  Scratch* s = &ThreadScratch();
  int x_first, x_end, y_first, y_end;
  InsideRange(roi.x, roi.width, width, &x_first, &x_end);
  InsideRange(roi.y, roi.height, height, &y_first, &y_end);
  if (x_first >= x_end || y_first >= y_end) {
    std::fill(dst, dst + size_t(width) * height, Out(0));
    return;
  }
  Fit(alpha, w, h, roi, rgba, width, height, filter, s);

  const int span = x_end - x_first;
  const double sx = w / roi.width;
  const double sy = h / roi.height;
  s->u0.resize(span);
  s->u1.resize(span);
  s->fx.resize(span);
  s->gray_row.resize(span);
  for (int i = 0; i < span; ++i) {
    const Tap tap = PlaneTap(x_first + i, roi.x, sx, w);
    s->u0[i] = tap.i0;
    s->u1[i] = tap.i1;
    s->fx[i] = tap.fraction;
  }
  s->cached[0] = s->cached[1] = -1;

  // Rec. 601 luma of 8-bit RGB, scaled to [0, 1].
  constexpr float kR = float(0.299 / 255), kG = float(0.587 / 255), kB = float(0.114 / 255);
  std::fill(dst, dst + size_t(y_first) * width, Out(0));
  for (int y = y_first; y < y_end; ++y) {
    Out* row = dst + size_t(y) * width;
    std::fill(row, row + x_first, Out(0));
    std::fill(row + x_end, row + width, Out(0));
    const Tap tap = PlaneTap(y, roi.y, sy, h);
    const int top = CachedRow(s, tap.i0, w, span, tap.i1);
    const int bottom = CachedRow(s, tap.i1, w, span, tap.i0);
    const float* __restrict top_a = s->cache[top][0].data();
    const float* __restrict top_b = s->cache[top][1].data();
    const float* __restrict bottom_a = s->cache[bottom][0].data();
    const float* __restrict bottom_b = s->cache[bottom][1].data();
    const float fy = tap.fraction;
    const uint8_t* __restrict pixels = rgba + (size_t(y) * width + x_first) * 4;
    float* __restrict alpha_row;
    if constexpr (std::is_same_v<Out, float>) {
      alpha_row = row + x_first;
    } else {
      alpha_row = s->gray_row.data();
    }
    for (int i = 0; i < span; ++i) {
      uint32_t word;
      std::memcpy(&word, pixels + size_t(i) * 4, sizeof(word));
      const float luma = float(word & 0xFF) * kR + float((word >> 8) & 0xFF) * kG + float((word >> 16) & 0xFF) * kB;
      const float a = top_a[i] + (bottom_a[i] - top_a[i]) * fy;
      const float b = top_b[i] + (bottom_b[i] - top_b[i]) * fy;
      alpha_row[i] = std::min(std::max(a * luma + b, 0.0f), 1.0f);
    }
    if constexpr (!std::is_same_v<Out, float>) {
      // A separate pass: with the clamp above in the same loop, GCC does not vectorise the
      // float-to-int conversion (-ftrapping-math keeps it from if-converting the clamp).
      uint8_t* __restrict out = row + x_first;
      for (int i = 0; i < span; ++i) out[i] = uint8_t(int(alpha_row[i] * 255.0f + 0.5f));
    }
  }
  std::fill(dst + size_t(y_end) * width, dst + size_t(height) * width, Out(0));
}

}  // namespace

FACEMAT_VECTOR_CLONES void GuidedUpsample(const float* alpha, int alpha_width, int alpha_height, const Roi& roi,
                                          const uint8_t* rgba, int width, int height, const GuidedFilter& filter,
                                          float* dst) {
  Upsample(alpha, alpha_width, alpha_height, roi, rgba, width, height, filter, dst);
}

FACEMAT_VECTOR_CLONES void GuidedUpsample(const float* alpha, int alpha_width, int alpha_height, const Roi& roi,
                                          const uint8_t* rgba, int width, int height, const GuidedFilter& filter,
                                          uint8_t* dst) {
  Upsample(alpha, alpha_width, alpha_height, roi, rgba, width, height, filter, dst);
}

}  // namespace facemat
