#include "resize.h"

#include "convert.h"  // FACEMAT_VECTOR_CLONES

#include <algorithm>
#include <cmath>
#include <vector>

namespace facemat {
namespace {

// For each output sample along one axis, `count` source indices and weights (padded with
// zero weights so the inner loops have a fixed trip count and no branches).
struct Taps {
  int count = 0;
  std::vector<int> index;
  std::vector<float> weight;
};

void BuildTaps(double start, double length, int source_size, int output_size, Taps* taps) {
  const double step = length / output_size;
  const bool area = step > 2.0;
  taps->count = area ? int(std::ceil(step)) + 1 : 2;
  taps->index.assign(size_t(output_size) * taps->count, 0);
  taps->weight.assign(size_t(output_size) * taps->count, 0.0f);
  for (int i = 0; i < output_size; ++i) {
    int* index = &taps->index[size_t(i) * taps->count];
    float* weight = &taps->weight[size_t(i) * taps->count];
    if (area) {
      // Coverage of each source pixel by [a, b); pixels outside the frame are black, so they
      // keep their share of the weight but add nothing.
      const double a = start + i * step;
      const double b = a + step;
      int k = 0;
      for (long j = long(std::floor(a)); j < long(std::ceil(b)) && k < taps->count; ++j) {
        if (j < 0 || j >= source_size) continue;
        const double overlap = std::min(b, double(j + 1)) - std::max(a, double(j));
        if (overlap <= 0) continue;
        index[k] = int(j);
        weight[k] = float(overlap / step);
        ++k;
      }
    } else {
      // Bilinear between pixel centres; a sample centre outside the frame is black, one inside
      // it but within half a pixel of the edge clamps to the edge pixel.
      const double centre = start + (i + 0.5) * step;
      if (centre < 0 || centre >= source_size) continue;
      const double position = centre - 0.5;
      const double left = std::floor(position);
      const float fraction = float(position - left);
      index[0] = std::clamp(int(left), 0, source_size - 1);
      index[1] = std::clamp(int(left) + 1, 0, source_size - 1);
      weight[0] = 1.0f - fraction;
      weight[1] = fraction;
    }
  }
}

}  // namespace

FACEMAT_VECTOR_CLONES void ResizeToTensor(const uint8_t* rgba, int width, int height, const Roi& roi, float* dst, int dst_width,
                    int dst_height, const TensorNormalisation& norm) {
  thread_local Taps columns;
  thread_local Taps rows;
  thread_local std::vector<float> horizontal;  // source rows resampled along x, 3 planes per row
  BuildTaps(roi.x, roi.width, width, dst_width, &columns);
  BuildTaps(roi.y, roi.height, height, dst_height, &rows);

  // Only the source rows some output row reads need the horizontal pass.
  int first_row = height;
  int last_row = -1;
  for (size_t t = 0; t < rows.index.size(); ++t) {
    if (rows.weight[t] == 0.0f) continue;
    first_row = std::min(first_row, rows.index[t]);
    last_row = std::max(last_row, rows.index[t]);
  }
  const size_t plane = size_t(dst_width) * dst_height;
  float gain[3];
  float offset[3];
  for (int ch = 0; ch < 3; ++ch) {
    gain[ch] = 1.0f / (norm.scale * norm.std[ch]);
    offset[ch] = -norm.mean[ch] / norm.std[ch];
  }
  if (last_row < first_row) {  // the region lies wholly outside the frame: all black
    for (int ch = 0; ch < 3; ++ch) std::fill(dst + ch * plane, dst + (ch + 1) * plane, offset[ch]);
    return;
  }

  const int row_count = last_row - first_row + 1;
  horizontal.resize(size_t(row_count) * 3 * dst_width);
  const int ctaps = columns.count;
  for (int r = 0; r < row_count; ++r) {
    const uint8_t* __restrict in = rgba + size_t(first_row + r) * width * 4;
    float* __restrict red = &horizontal[(size_t(r) * 3 + 0) * dst_width];
    float* __restrict green = red + dst_width;
    float* __restrict blue = green + dst_width;
    for (int x = 0; x < dst_width; ++x) {
      const int* index = &columns.index[size_t(x) * ctaps];
      const float* weight = &columns.weight[size_t(x) * ctaps];
      float sr = 0, sg = 0, sb = 0;
      for (int k = 0; k < ctaps; ++k) {
        const uint8_t* p = in + size_t(index[k]) * 4;
        sr += weight[k] * p[0];
        sg += weight[k] * p[1];
        sb += weight[k] * p[2];
      }
      red[x] = sr;
      green[x] = sg;
      blue[x] = sb;
    }
  }

  const int rtaps = rows.count;
  for (int y = 0; y < dst_height; ++y) {
    const int* index = &rows.index[size_t(y) * rtaps];
    const float* weight = &rows.weight[size_t(y) * rtaps];
    for (int ch = 0; ch < 3; ++ch) {
      float* __restrict out = dst + ch * plane + size_t(y) * dst_width;
      std::fill(out, out + dst_width, 0.0f);
      for (int k = 0; k < rtaps; ++k) {
        if (weight[k] == 0.0f) continue;
        const float w = weight[k];
        const float* __restrict in = &horizontal[(size_t(index[k] - first_row) * 3 + ch) * dst_width];
        for (int x = 0; x < dst_width; ++x) out[x] += w * in[x];
      }
      const float g = gain[ch];
      const float o = offset[ch];
      for (int x = 0; x < dst_width; ++x) out[x] = out[x] * g + o;
    }
  }
}

}  // namespace facemat
