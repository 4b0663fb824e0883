// Turns one captured V4L2 buffer (MJPEG, YUYV, NV12 or YU12, rows possibly padded) into a
// tightly packed RGBA frame. Owned by one capture thread (it holds a JPEG decoder).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "convert.h"
#include "jpeg.h"

namespace facemat {

class FrameDecoder {
 public:
  FrameDecoder(uint32_t fourcc, int width, int height, uint32_t bytes_per_line, YuvMatrix matrix, YuvRange range);

  // Writes width*height*4 bytes to rgba. Returns false with `why` for a frame that cannot be
  // shown (short, damaged, wrong size): the capture loop drops it and waits for the next.
  bool Decode(const uint8_t* data, size_t bytes_used, uint8_t* rgba, std::string* why);

 private:
  uint32_t fourcc_;
  int width_;
  int height_;
  size_t bytes_per_line_;
  const YuvCoefficients& coefficients_;
  JpegDecoder jpeg_;
};

}  // namespace facemat
