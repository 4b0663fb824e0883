// What a V4L2 capture node offers: pixel formats, frame sizes and frame rates, read with
// VIDIOC_ENUM_FMT / ENUM_FRAMESIZES / ENUM_FRAMEINTERVALS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "v4l2_syscalls.h"

namespace facemat {

struct FrameInterval {
  uint32_t numerator;    // seconds per frame = numerator / denominator
  uint32_t denominator;
  double fps() const { return numerator == 0 ? 0.0 : double(denominator) / numerator; }
};

struct FrameSize {
  uint32_t width;
  uint32_t height;
  // Discrete intervals; for a stepwise range, its two ends (fastest first) and `interval_range`.
  std::vector<FrameInterval> intervals;
  bool interval_range = false;
};

struct PixelFormatInfo {
  uint32_t fourcc;
  std::string description;
  bool compressed;
  std::vector<FrameSize> sizes;  // discrete sizes, or for a stepwise range its two ends
  bool size_range = false;
  uint32_t min_width = 0, max_width = 0, step_width = 0;
  uint32_t min_height = 0, max_height = 0, step_height = 0;

  // Whether `width` x `height` is one of the sizes (or inside the stepwise range).
  bool Offers(uint32_t width, uint32_t height) const;
};

// Reads every capture format, size and frame interval of an open capture node.
std::vector<PixelFormatInfo> EnumerateCaptureFormats(Syscalls& sys, int fd);

// Frame intervals for one size of one format (queried for stepwise sizes on demand).
std::vector<FrameInterval> EnumerateIntervals(Syscalls& sys, int fd, uint32_t fourcc, uint32_t width, uint32_t height,
                                              bool* is_range);

// "YUYV", "MJPG", ...
std::string FourccName(uint32_t fourcc);

}  // namespace facemat
