// Picks the capture format for a requested size and frame rate, the way a user would: the exact
// size is required (a different size is a clear error naming the sizes on offer); among the
// formats offering it, one that reaches the frame rate wins, MJPEG first (webcams give full
// frame rate at 720p/1080p only compressed), then NV12, YUYV, YU12; then the closest rate.
#pragma once

#include <string>
#include <vector>

#include "v4l2_formats.h"

namespace facemat {

struct FormatChoice {
  uint32_t fourcc;
  uint32_t width;
  uint32_t height;
  FrameInterval interval;  // what to ask with S_PARM
};

// `only_fourcc` (0: any) limits the choice to one pixel format (MJPG and JPEG count as one), as
// a user asks with `--input-format`. Throws DeviceError("EUNSUPPORTED") when nothing fits.
FormatChoice ChooseCaptureFormat(Syscalls& sys, int fd, const std::vector<PixelFormatInfo>& formats, uint32_t width,
                                 uint32_t height, double fps, uint32_t only_fourcc, const std::string& path);

// Whether the capture loop can turn this fourcc into RGBA.
bool IsDecodable(uint32_t fourcc);

}  // namespace facemat
