#include "format_negotiation.h"

#include <linux/videodev2.h>

#include <cmath>
#include <tuple>

#include "device_error.h"

namespace facemat {
namespace {

// Lower is better.
int Preference(uint32_t fourcc) {
  switch (fourcc) {
    case V4L2_PIX_FMT_MJPEG:
    case V4L2_PIX_FMT_JPEG:
      return 0;
    case V4L2_PIX_FMT_NV12:
      return 1;
    case V4L2_PIX_FMT_YUYV:
      return 2;
    case V4L2_PIX_FMT_YUV420:
      return 3;
    default:
      return -1;
  }
}

// Frames within this much of the request count as reaching it (29.97 for 30).
constexpr double kFpsTolerance = 0.5;

struct Candidate {
  FormatChoice choice;
  bool reaches_fps;
  int preference;
  double fps_distance;
};

// The interval to ask for among those on offer: the slowest one that still reaches `fps`, or
// else the fastest. `reaches` says whether it reaches the request.
FrameInterval PickInterval(const std::vector<FrameInterval>& intervals, bool is_range, double fps, bool* reaches) {
  if (intervals.empty()) {  // the driver does not say: ask for the request and read back
    *reaches = true;
    return {1000, uint32_t(std::lround(fps * 1000))};
  }
  if (is_range) {
    const double fastest = intervals.front().fps();
    const double slowest = intervals.back().fps();
    *reaches = fastest + kFpsTolerance >= fps;
    if (fps <= fastest && fps >= slowest) return {1000, uint32_t(std::lround(fps * 1000))};
    return fps > fastest ? intervals.front() : intervals.back();
  }
  const FrameInterval* best_reaching = nullptr;
  const FrameInterval* fastest = &intervals.front();
  for (const FrameInterval& interval : intervals) {
    if (interval.fps() > fastest->fps()) fastest = &interval;
    if (interval.fps() + kFpsTolerance >= fps && (!best_reaching || interval.fps() < best_reaching->fps())) {
      best_reaching = &interval;
    }
  }
  *reaches = best_reaching != nullptr;
  return best_reaching ? *best_reaching : *fastest;
}

std::string Offer(const std::vector<PixelFormatInfo>& formats) {
  std::string text;
  for (const PixelFormatInfo& format : formats) {
    if (!text.empty()) text += "; ";
    text += FourccName(format.fourcc);
    if (format.size_range) {
      text += " " + std::to_string(format.min_width) + "x" + std::to_string(format.min_height) + " to " +
              std::to_string(format.max_width) + "x" + std::to_string(format.max_height);
      continue;
    }
    for (const FrameSize& size : format.sizes) text += " " + std::to_string(size.width) + "x" + std::to_string(size.height);
  }
  return text.empty() ? "nothing" : text;
}

}  // namespace

bool IsDecodable(uint32_t fourcc) { return Preference(fourcc) >= 0; }

FormatChoice ChooseCaptureFormat(Syscalls& sys, int fd, const std::vector<PixelFormatInfo>& formats, uint32_t width,
                                 uint32_t height, double fps, uint32_t only_fourcc, const std::string& path) {
  bool any_decodable = false;
  bool offers_only = false;
  bool have_best = false;
  Candidate best{};
  for (const PixelFormatInfo& format : formats) {
    const int preference = Preference(format.fourcc);
    if (preference < 0) continue;
    any_decodable = true;
    if (only_fourcc != 0) {
      if (Preference(only_fourcc) != preference) continue;
      offers_only = true;
    }
    if (!format.Offers(width, height)) continue;
    std::vector<FrameInterval> intervals;
    bool is_range = false;
    if (format.size_range) {
      intervals = EnumerateIntervals(sys, fd, format.fourcc, width, height, &is_range);
    } else {
      for (const FrameSize& size : format.sizes) {
        if (size.width == width && size.height == height) {
          intervals = size.intervals;
          is_range = size.interval_range;
        }
      }
    }
    Candidate candidate;
    candidate.choice = {format.fourcc, width, height, PickInterval(intervals, is_range, fps, &candidate.reaches_fps)};
    candidate.preference = preference;
    candidate.fps_distance = std::fabs(candidate.choice.interval.fps() - fps);
    auto key = [](const Candidate& c) { return std::make_tuple(!c.reaches_fps, c.preference, c.fps_distance); };
    if (!have_best || key(candidate) < key(best)) {
      best = candidate;
      have_best = true;
    }
  }
  if (!any_decodable) {
    throw DeviceError("EUNSUPPORTED", path + " offers no pixel format facemat can decode (it offers: " + Offer(formats) +
                                          "; facemat reads MJPG, NV12, YUYV and YU12)");
  }
  if (only_fourcc != 0 && !offers_only) {
    throw DeviceError("EUNSUPPORTED", path + " does not offer " + FourccName(only_fourcc) + " (it offers: " +
                                          Offer(formats) + "; leave --input-format out to let facemat choose)");
  }
  if (!have_best) {
    throw DeviceError("EUNSUPPORTED", path + " cannot capture " + std::to_string(width) + "x" + std::to_string(height) +
                                          (only_fourcc != 0 ? " in " + FourccName(only_fourcc) : std::string()) +
                                          " (it offers: " + Offer(formats) + ")");
  }
  return best.choice;
}

}  // namespace facemat
