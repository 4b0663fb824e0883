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

FACEMAT_VECTOR_CLONES void ResizeToTensor(const uint8_t* rgba, int width, int height, const Roi& roi, float* dst,
                                          int dst_width, int dst_height, const TensorNormalisation& norm) {
  thread_local Taps columns;
  thread_local Taps rows;
  thread_local std::vector<float> blended;  // one output row resampled along y, RGBA, needed columns only
  BuildTaps(roi.x, roi.width, width, dst_width, &columns);
  BuildTaps(roi.y, roi.height, height, dst_height, &rows);

  // Only the columns some output pixel reads take part.
  int first_column = width;
  int last_column = -1;
  for (size_t t = 0; t < columns.index.size(); ++t) {
    if (columns.weight[t] == 0.0f) continue;
    first_column = std::min(first_column, columns.index[t]);
    last_column = std::max(last_column, columns.index[t]);
  }
  const size_t plane = size_t(dst_width) * dst_height;
  float gain[3];
  float offset[3];
  for (int ch = 0; ch < 3; ++ch) {
    gain[ch] = 1.0f / (norm.scale * norm.std[ch]);
    offset[ch] = -norm.mean[ch] / norm.std[ch];
  }
  if (last_column < first_column) {  // the region lies wholly outside the frame: all black
    for (int ch = 0; ch < 3; ++ch) std::fill(dst + ch * plane, dst + (ch + 1) * plane, offset[ch]);
    return;
  }

  // Vertical pass first: it reads whole rows (contiguous bytes, fully vectorised); the
  // horizontal pass then only touches one float row per output row.
  const size_t span = size_t(last_column - first_column + 1) * 4;
  blended.resize(span);
  const int ctaps = columns.count;
  const int rtaps = rows.count;
  for (int y = 0; y < dst_height; ++y) {
    float* __restrict acc = blended.data();
    std::fill(acc, acc + span, 0.0f);
    const int* row_index = &rows.index[size_t(y) * rtaps];
    const float* row_weight = &rows.weight[size_t(y) * rtaps];
    for (int k = 0; k < rtaps; ++k) {
      const float w = row_weight[k];
      if (w == 0.0f) continue;
      const uint8_t* __restrict in = rgba + (size_t(row_index[k]) * width + first_column) * 4;
      for (size_t i = 0; i < span; ++i) acc[i] += w * float(in[i]);
    }
    float* __restrict red = dst + size_t(y) * dst_width;
    float* __restrict green = red + plane;
    float* __restrict blue = green + plane;
    for (int x = 0; x < dst_width; ++x) {
      const int* index = &columns.index[size_t(x) * ctaps];
      const float* weight = &columns.weight[size_t(x) * ctaps];
      float sr = 0, sg = 0, sb = 0;
      for (int k = 0; k < ctaps; ++k) {
        // Zero-weight padding taps point at column 0, which may precede first_column: skip them.
        if (weight[k] == 0.0f) continue;
        const float* p = acc + size_t(index[k] - first_column) * 4;
        sr += weight[k] * p[0];
        sg += weight[k] * p[1];
        sb += weight[k] * p[2];
      }
      red[x] = sr * gain[0] + offset[0];
      green[x] = sg * gain[1] + offset[1];
      blue[x] = sb * gain[2] + offset[2];
    }
  }
}

}  // namespace facemat
