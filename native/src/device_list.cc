#include "device_list.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>

#include <cstring>

#include "device_error.h"

namespace facemat {

DeviceInfo DescribeDevice(Syscalls& sys, const std::string& path) {
  DeviceInfo info;
  info.path = path;
  const int fd = sys.Open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (fd < 0) {
    info.error = SystemError(errno, "cannot open", path).what();
    return info;
  }
  v4l2_capability cap;
  std::memset(&cap, 0, sizeof(cap));
  if (XIoctl(sys, fd, VIDIOC_QUERYCAP, &cap) != 0) {
    info.error = SystemError(errno, "VIDIOC_QUERYCAP", path).what();
  } else {
    info.card = reinterpret_cast<const char*>(cap.card);
    info.driver = reinterpret_cast<const char*>(cap.driver);
    info.bus = reinterpret_cast<const char*>(cap.bus_info);
    info.caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (info.caps & V4L2_CAP_VIDEO_CAPTURE) info.formats = EnumerateCaptureFormats(sys, fd);
  }
  sys.Close(fd);
  return info;
}

std::vector<DeviceInfo> ListDevices(Syscalls& sys) {
  std::vector<DeviceInfo> devices;
  for (const std::string& path : sys.VideoNodes()) devices.push_back(DescribeDevice(sys, path));
  return devices;
}

}  // namespace facemat
