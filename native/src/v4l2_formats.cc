#include "v4l2_formats.h"

#include <linux/videodev2.h>

#include <cstring>

namespace facemat {

bool PixelFormatInfo::Offers(uint32_t width, uint32_t height) const {
  if (size_range) {
    auto fits = [](uint32_t value, uint32_t low, uint32_t high, uint32_t step) {
      return value >= low && value <= high && (step <= 1 || (value - low) % step == 0);
    };
    return fits(width, min_width, max_width, step_width) && fits(height, min_height, max_height, step_height);
  }
  for (const FrameSize& size : sizes) {
    if (size.width == width && size.height == height) return true;
  }
  return false;
}

std::vector<FrameInterval> EnumerateIntervals(Syscalls& sys, int fd, uint32_t fourcc, uint32_t width, uint32_t height,
                                              bool* is_range) {
  std::vector<FrameInterval> intervals;
  *is_range = false;
  for (uint32_t index = 0;; ++index) {
    v4l2_frmivalenum query;
    std::memset(&query, 0, sizeof(query));
    query.index = index;
    query.pixel_format = fourcc;
    query.width = width;
    query.height = height;
    if (XIoctl(sys, fd, VIDIOC_ENUM_FRAMEINTERVALS, &query) != 0) break;
    if (query.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      intervals.push_back({query.discrete.numerator, query.discrete.denominator});
    } else {
      intervals.push_back({query.stepwise.min.numerator, query.stepwise.min.denominator});
      intervals.push_back({query.stepwise.max.numerator, query.stepwise.max.denominator});
      *is_range = true;
      break;
    }
  }
  return intervals;
}

std::vector<PixelFormatInfo> EnumerateCaptureFormats(Syscalls& sys, int fd) {
  std::vector<PixelFormatInfo> formats;
  for (uint32_t index = 0;; ++index) {
    v4l2_fmtdesc desc;
    std::memset(&desc, 0, sizeof(desc));
    desc.index = index;
    desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (XIoctl(sys, fd, VIDIOC_ENUM_FMT, &desc) != 0) break;
    PixelFormatInfo format;
    format.fourcc = desc.pixelformat;
    format.description = std::string(reinterpret_cast<const char*>(desc.description),
                                     strnlen(reinterpret_cast<const char*>(desc.description), sizeof(desc.description)));
    format.compressed = (desc.flags & V4L2_FMT_FLAG_COMPRESSED) != 0;
    for (uint32_t size_index = 0;; ++size_index) {
      v4l2_frmsizeenum size;
      std::memset(&size, 0, sizeof(size));
      size.index = size_index;
      size.pixel_format = desc.pixelformat;
      if (XIoctl(sys, fd, VIDIOC_ENUM_FRAMESIZES, &size) != 0) break;
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        FrameSize entry{size.discrete.width, size.discrete.height, {}};
        entry.intervals = EnumerateIntervals(sys, fd, desc.pixelformat, entry.width, entry.height, &entry.interval_range);
        format.sizes.push_back(std::move(entry));
      } else {
        format.size_range = true;
        format.min_width = size.stepwise.min_width;
        format.max_width = size.stepwise.max_width;
        format.step_width = size.stepwise.step_width;
        format.min_height = size.stepwise.min_height;
        format.max_height = size.stepwise.max_height;
        format.step_height = size.stepwise.step_height;
        for (auto [w, h] : {std::pair{format.min_width, format.min_height}, std::pair{format.max_width, format.max_height}}) {
          FrameSize entry{w, h, {}};
          entry.intervals = EnumerateIntervals(sys, fd, desc.pixelformat, w, h, &entry.interval_range);
          format.sizes.push_back(std::move(entry));
        }
        break;
      }
    }
    formats.push_back(std::move(format));
  }
  return formats;
}

std::string FourccName(uint32_t fourcc) {
  std::string name;
  for (int shift = 0; shift < 32; shift += 8) {
    const char c = char((fourcc >> shift) & 0xFF);
    name += (c >= 32 && c < 127) ? c : '?';
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name;
}

}  // namespace facemat
