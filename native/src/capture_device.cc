#include "capture_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/mman.h>
#include <time.h>

#include <cmath>
#include <cstring>

#include "format_negotiation.h"
#include "v4l2_formats.h"
#include "worker_wake.h"

namespace facemat {
namespace {

// Two buffers would let the camera stall while one is decoded and one waits to be dequeued;
// more than four only adds latency (every queued frame is a frame of delay).
constexpr uint32_t kBufferCount = 3;
// How long one poll waits; a camera that stops sending without an error is not a fault, the
// loop simply keeps waiting (and stays responsive to Close through the wake fd anyway).
constexpr int kPollTimeoutMs = 1000;

double MonotonicNowMs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

// The kernel's capture time when it is on the monotonic clock, else the time of dequeue.
double TimestampMs(const v4l2_buffer& buffer) {
  const double now = MonotonicNowMs();
  if ((buffer.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) != V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) return now;
  const double stamp = buffer.timestamp.tv_sec * 1e3 + buffer.timestamp.tv_usec / 1e3;
  return stamp > 0 && stamp <= now ? stamp : now;
}

std::string CapsText(uint32_t caps) {
  std::string text;
  auto add = [&](uint32_t bit, const char* name) {
    if (!(caps & bit)) return;
    if (!text.empty()) text += ", ";
    text += name;
  };
  add(V4L2_CAP_VIDEO_CAPTURE, "video capture");
  add(V4L2_CAP_VIDEO_CAPTURE_MPLANE, "multi-planar capture");
  add(V4L2_CAP_VIDEO_OUTPUT, "video output");
  add(V4L2_CAP_META_CAPTURE, "metadata capture");
  add(V4L2_CAP_VIDEO_M2M, "memory-to-memory");
  return text.empty() ? "nothing facemat uses" : text;
}

}  // namespace

CaptureDevice::CaptureDevice(std::shared_ptr<Syscalls> sys) : sys_(std::move(sys)) {}

CaptureDevice::~CaptureDevice() { Close(); }

CaptureFormat CaptureDevice::Open(const std::string& path, const CaptureRequest& request, Completion on_complete) {
  if (fd_ >= 0) throw DeviceError("EBUSY", "capture device is already open on " + path_);
  if (request.width == 0 || request.height == 0 || request.width > 16384 || request.height > 16384 ||
      !(request.fps > 0 && request.fps <= 1000)) {
    throw DeviceError("EINVAL", "invalid capture request " + std::to_string(request.width) + "x" +
                                    std::to_string(request.height) + "@" + std::to_string(request.fps));
  }
  path_ = path;
  try {
    fd_ = sys_->Open(path.c_str(), O_RDWR | O_NONBLOCK);
    if (fd_ < 0) throw SystemError(errno, "cannot open", path);

    v4l2_capability cap;
    std::memset(&cap, 0, sizeof(cap));
    if (XIoctl(*sys_, fd_, VIDIOC_QUERYCAP, &cap) != 0) {
      if (errno == ENOTTY || errno == EINVAL) {
        throw DeviceError("ENOTCAPTURE", path + " is not a V4L2 device");
      }
      throw SystemError(errno, "VIDIOC_QUERYCAP", path);
    }
    const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    format_.card = reinterpret_cast<const char*>(cap.card);
    format_.driver = reinterpret_cast<const char*>(cap.driver);
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
      std::string hint;
      if (caps & V4L2_CAP_META_CAPTURE) hint = "; webcams have a second node for metadata, use the other one";
      if (caps & V4L2_CAP_VIDEO_OUTPUT) hint = "; it is a video output (such as a v4l2loopback virtual camera)";
      throw DeviceError("ENOTCAPTURE", path + " (" + format_.card + ") is not a video capture device (it offers " +
                                           CapsText(caps) + ")" + hint);
    }
    if (!(caps & V4L2_CAP_STREAMING)) {
      throw DeviceError("EUNSUPPORTED", path + " (" + format_.card + ") does not support streaming I/O");
    }

    const std::vector<PixelFormatInfo> formats = EnumerateCaptureFormats(*sys_, fd_);
    const FormatChoice choice =
        ChooseCaptureFormat(*sys_, fd_, formats, request.width, request.height, request.fps, request.fourcc, path);

    v4l2_format fmt;
    std::memset(&fmt, 0, sizeof(fmt));
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = choice.width;
    fmt.fmt.pix.height = choice.height;
    fmt.fmt.pix.pixelformat = choice.fourcc;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (XIoctl(*sys_, fd_, VIDIOC_S_FMT, &fmt) != 0) throw SystemError(errno, "VIDIOC_S_FMT", path);
    if (fmt.fmt.pix.pixelformat != choice.fourcc || fmt.fmt.pix.width != choice.width ||
        fmt.fmt.pix.height != choice.height) {
      throw DeviceError("EUNSUPPORTED", path + " refused " + FourccName(choice.fourcc) + " " +
                                            std::to_string(choice.width) + "x" + std::to_string(choice.height) +
                                            " (the driver set " + FourccName(fmt.fmt.pix.pixelformat) + " " +
                                            std::to_string(fmt.fmt.pix.width) + "x" +
                                            std::to_string(fmt.fmt.pix.height) + ")");
    }
    format_.fourcc = choice.fourcc;
    format_.width = choice.width;
    format_.height = choice.height;
    format_.bytes_per_line = fmt.fmt.pix.bytesperline;
    const bool bt709 = fmt.fmt.pix.ycbcr_enc == V4L2_YCBCR_ENC_709 ||
                       (fmt.fmt.pix.ycbcr_enc == V4L2_YCBCR_ENC_DEFAULT && fmt.fmt.pix.colorspace == V4L2_COLORSPACE_REC709);
    const bool full = fmt.fmt.pix.quantization == V4L2_QUANTIZATION_FULL_RANGE ||
                      (fmt.fmt.pix.quantization == V4L2_QUANTIZATION_DEFAULT && fmt.fmt.pix.colorspace == V4L2_COLORSPACE_JPEG);
    format_.matrix = bt709 ? YuvMatrix::kBt709 : YuvMatrix::kBt601;
    format_.range = full ? YuvRange::kFull : YuvRange::kLimited;

    // Frame rate: ask, then believe what the driver says it will do.
    v4l2_streamparm parm;
    std::memset(&parm, 0, sizeof(parm));
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe.numerator = choice.interval.numerator;
    parm.parm.capture.timeperframe.denominator = choice.interval.denominator;
    format_.fps = choice.interval.fps();
    if (XIoctl(*sys_, fd_, VIDIOC_S_PARM, &parm) == 0 && parm.parm.capture.timeperframe.numerator != 0) {
      format_.fps = double(parm.parm.capture.timeperframe.denominator) / parm.parm.capture.timeperframe.numerator;
    }

    v4l2_requestbuffers req;
    std::memset(&req, 0, sizeof(req));
    req.count = kBufferCount;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (XIoctl(*sys_, fd_, VIDIOC_REQBUFS, &req) != 0) throw SystemError(errno, "VIDIOC_REQBUFS", path);
    if (req.count < 2) throw DeviceError("ENOMEM", path + " granted only " + std::to_string(req.count) + " buffer(s)");
    const uint32_t count = std::min<uint32_t>(req.count, 4);
    for (uint32_t index = 0; index < count; ++index) {
      v4l2_buffer buffer;
      std::memset(&buffer, 0, sizeof(buffer));
      buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buffer.memory = V4L2_MEMORY_MMAP;
      buffer.index = index;
      if (XIoctl(*sys_, fd_, VIDIOC_QUERYBUF, &buffer) != 0) throw SystemError(errno, "VIDIOC_QUERYBUF", path);
      void* data = sys_->Mmap(buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buffer.m.offset);
      if (data == MAP_FAILED) throw SystemError(errno, "mmap", path);
      buffers_.push_back({data, buffer.length});
      if (XIoctl(*sys_, fd_, VIDIOC_QBUF, &buffer) != 0) throw SystemError(errno, "VIDIOC_QBUF", path);
    }
    format_.buffers = count;

    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (XIoctl(*sys_, fd_, VIDIOC_STREAMON, &type) != 0) throw SystemError(errno, "VIDIOC_STREAMON", path);
    streaming_ = true;

    wake_fd_ = sys_->EventFd();
    if (wake_fd_ < 0) throw SystemError(errno, "eventfd", path);
    decoder_ = std::make_unique<FrameDecoder>(format_.fourcc, format_.width, format_.height, format_.bytes_per_line,
                                              format_.matrix, format_.range);
    latest_.assign(size_t(format_.width) * format_.height * 4, 0);
  } catch (...) {
    Teardown();
    throw;
  }
  latest_fresh_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = nullptr;
    faulted_ = false;
    stats_ = CaptureStats{};
  }
  on_complete_ = std::move(on_complete);
  stop_ = false;
  thread_ = std::thread(&CaptureDevice::Loop, this);
  return format_;
}

bool CaptureDevice::RequestFrame(uint8_t* target, FrameResult* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) {
      *error = {false, 0, 0, "ECLOSED", "capture device is not open"};
      return false;
    }
    if (faulted_) {
      *error = fault_;
      return false;
    }
    if (pending_ != nullptr) {
      *error = {false, 0, 0, "EBUSY", "a read is already pending on " + path_};
      return false;
    }
    pending_ = target;
  }
  // Let the thread serve it from "latest" if a frame is already waiting there.
  WakeWorker(*sys_, wake_fd_);
  return true;
}

bool CaptureDevice::Close() {
  StopWorker(*sys_, wake_fd_, stop_, thread_);
  const bool had_pending = TakePending(mutex_, pending_);
  Teardown();
  return had_pending;
}

CaptureStats CaptureDevice::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void CaptureDevice::Teardown() {
  if (streaming_) {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    XIoctl(*sys_, fd_, VIDIOC_STREAMOFF, &type);  // fails harmlessly on an unplugged device
    streaming_ = false;
  }
  for (const MappedBuffer& buffer : buffers_) sys_->Munmap(buffer.data, buffer.length);
  buffers_.clear();
  if (wake_fd_ >= 0) sys_->Close(wake_fd_);
  wake_fd_ = -1;
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) sys_->Close(fd_);
  fd_ = -1;
  decoder_.reset();
}

void CaptureDevice::Loop() {
  while (!stop_) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = sys_->Poll(fds, 2, kPollTimeoutMs);
    if (stop_) return;
    if (ready < 0) {
      if (errno == EINTR) continue;
      Fault(SystemError(errno, "poll", path_));
      return;
    }
    if (fds[1].revents & POLLIN) {
      ClearWake(*sys_, wake_fd_);
      ServeLatest();
    }
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      // Ask DQBUF for the precise error; an unplugged camera answers ENODEV.
      if (!DequeueOne()) return;
      Fault(SystemError(ENODEV, "poll reported an error", path_));
      return;
    }
    if ((fds[0].revents & POLLIN) && !DequeueOne()) return;
  }
}

bool CaptureDevice::DequeueOne() {
  v4l2_buffer buffer;
  std::memset(&buffer, 0, sizeof(buffer));
  buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  buffer.memory = V4L2_MEMORY_MMAP;
  if (XIoctl(*sys_, fd_, VIDIOC_DQBUF, &buffer) != 0) {
    if (errno == EAGAIN) return true;
    Fault(SystemError(errno, "VIDIOC_DQBUF", path_));
    return false;
  }
  if (buffer.index < buffers_.size()) {
    const MappedBuffer& mapped = buffers_[buffer.index];
    const bool compressed = format_.fourcc == V4L2_PIX_FMT_MJPEG || format_.fourcc == V4L2_PIX_FMT_JPEG;
    // Some drivers leave bytesused at 0 for uncompressed formats; the whole buffer is the frame.
    const size_t used = (buffer.bytesused == 0 && !compressed) ? mapped.length : std::min<size_t>(buffer.bytesused, mapped.length);
    uint8_t* target;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      target = pending_;
    }
    std::string why;
    const bool damaged = (buffer.flags & V4L2_BUF_FLAG_ERROR) != 0;
    const bool decoded = !damaged && decoder_->Decode(static_cast<const uint8_t*>(mapped.data), used,
                                                      target ? target : latest_.data(), &why);
    if (!decoded) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.corrupt;
    } else if (target) {
      FrameResult result{true, TimestampMs(buffer), buffer.sequence, "", ""};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = nullptr;
        ++stats_.captured;
        ++stats_.delivered;
        if (latest_fresh_) ++stats_.dropped;  // an older unread frame is now stale
      }
      latest_fresh_ = false;
      on_complete_(result);
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.captured;
      if (latest_fresh_) ++stats_.dropped;
      latest_fresh_ = true;
      latest_result_ = {true, TimestampMs(buffer), buffer.sequence, "", ""};
    }
  }
  if (XIoctl(*sys_, fd_, VIDIOC_QBUF, &buffer) != 0) {
    Fault(SystemError(errno, "VIDIOC_QBUF", path_));
    return false;
  }
  return true;
}

void CaptureDevice::ServeLatest() {
  if (!latest_fresh_) return;
  uint8_t* target;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    target = pending_;
    if (target == nullptr) return;
    pending_ = nullptr;
    ++stats_.delivered;
  }
  std::memcpy(target, latest_.data(), latest_.size());
  latest_fresh_ = false;
  on_complete_(latest_result_);
}

void CaptureDevice::Fault(const DeviceError& error) {
  uint8_t* target;
  FrameResult result{false, 0, 0, error.code(), error.what()};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    faulted_ = true;
    fault_ = result;
    target = pending_;
    pending_ = nullptr;
  }
  if (target) on_complete_(result);
}

}  // namespace facemat
