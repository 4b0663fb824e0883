// The matting model's input: a region of an RGBA frame, resampled to the model size and
// normalised into a planar float tensor (NCHW, 3 x dst_height x dst_width).
#pragma once

#include <cstdint>

namespace facemat {

struct Roi {
  double x, y, width, height;
};

struct TensorNormalisation {
  float mean[3];
  float std[3];
  float scale;  // value = (pixel / scale - mean) / std
};

// Bilinear while the region shrinks by at most 2x along an axis, area averaging beyond that
// (bilinear would skip pixels and alias). The region may extend past the frame: the outside is
// black (0) before normalisation. Scratch space is per thread and reused, so calls from several
// threads are safe and steady use allocates nothing.
void ResizeToTensor(const uint8_t* rgba, int width, int height, const Roi& roi, float* dst, int dst_width,
                    int dst_height, const TensorNormalisation& norm);

}  // namespace facemat
