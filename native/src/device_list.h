// Every /dev/videoN node with what it is (capture, output, metadata), its card name, driver,
// bus, and for capture nodes every format, size and frame rate. A node that cannot be opened is
// listed with the error instead, so `facemat devices` can say why.
#pragma once

#include <string>
#include <vector>

#include "v4l2_formats.h"
#include "v4l2_syscalls.h"

namespace facemat {

struct DeviceInfo {
  std::string path;
  std::string card;
  std::string driver;
  std::string bus;
  uint32_t caps = 0;  // device_caps (or capabilities on old drivers)
  std::vector<PixelFormatInfo> formats;
  std::string error;  // set when the node could not be opened or queried
};

std::vector<DeviceInfo> ListDevices(Syscalls& sys);

// Opens and queries one node (also used for paths outside /dev/video*, e.g. /dev/v4l/by-id/...).
DeviceInfo DescribeDevice(Syscalls& sys, const std::string& path);

}  // namespace facemat
