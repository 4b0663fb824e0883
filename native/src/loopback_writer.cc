#include "loopback_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/inotify.h>

#include <cmath>
#include <cstring>

#include "v4l2_formats.h"
#include "worker_wake.h"

namespace facemat {
namespace {

// A reader that stops taking frames must not wedge the writer: EAGAIN is waited out in short
// polls for at most this long, then that one frame fails (the next one tries again).
constexpr int kWritePollMs = 50;
constexpr int kMaxWritePolls = 20;

}  // namespace

LoopbackWriter::LoopbackWriter(std::shared_ptr<Syscalls> sys) : sys_(std::move(sys)) {}

LoopbackWriter::~LoopbackWriter() { Close(); }

OutputInfo LoopbackWriter::Open(const std::string& path, const OutputRequest& request, Completion on_written,
                                ReadersChanged on_readers) {
  if (fd_ >= 0) throw DeviceError("EBUSY", "virtual camera output is already open on " + path_);
  if (request.width == 0 || request.height == 0 || request.width > 16384 || request.height > 16384 ||
      !(request.fps > 0 && request.fps <= 1000)) {
    throw DeviceError("EINVAL", "invalid output format " + std::to_string(request.width) + "x" +
                                    std::to_string(request.height) + "@" + std::to_string(request.fps));
  }
  if (request.format == OutputPixelFormat::kYuyv && (request.width & 1)) {
    throw DeviceError("EINVAL", "YUYV output needs an even width, got " + std::to_string(request.width));
  }
  path_ = path;
  request_ = request;
  info_ = OutputInfo{};
  try {
    fd_ = sys_->Open(path.c_str(), O_RDWR | O_NONBLOCK);
    if (fd_ < 0) throw SystemError(errno, "cannot open", path);

    v4l2_capability cap;
    std::memset(&cap, 0, sizeof(cap));
    if (XIoctl(*sys_, fd_, VIDIOC_QUERYCAP, &cap) != 0) {
      if (errno == ENOTTY || errno == EINVAL) throw DeviceError("ENOTOUTPUT", path + " is not a V4L2 device");
      throw SystemError(errno, "VIDIOC_QUERYCAP", path);
    }
    const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    info_.card = reinterpret_cast<const char*>(cap.card);
    info_.driver = reinterpret_cast<const char*>(cap.driver);
    if (!(caps & V4L2_CAP_VIDEO_OUTPUT)) {
      const bool loopback = info_.driver == "v4l2 loopback";
      throw DeviceError("ENOTOUTPUT",
                        path + " (" + info_.card + ") is not a video output device" +
                            (loopback ? ": another program is writing to this v4l2loopback device (with "
                                        "exclusive_caps=1 it then shows only as a capture device)"
                                      : ": a virtual camera needs a v4l2loopback device, see `facemat doctor`"));
    }

    // The frame rate readers are told; v4l2loopback paces nothing itself, the writer does.
    v4l2_streamparm parm;
    std::memset(&parm, 0, sizeof(parm));
    parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    const bool whole = std::fabs(request.fps - std::round(request.fps)) < 1e-6;
    parm.parm.output.timeperframe.numerator = whole ? 1 : 1000;
    parm.parm.output.timeperframe.denominator = uint32_t(std::lround(whole ? request.fps : request.fps * 1000));
    XIoctl(*sys_, fd_, VIDIOC_S_PARM, &parm);  // optional: some versions refuse it before S_FMT

    const bool yuyv = request.format == OutputPixelFormat::kYuyv;
    const uint32_t fourcc = yuyv ? V4L2_PIX_FMT_YUYV : V4L2_PIX_FMT_YUV420;
    const size_t wanted_size = yuyv ? YuyvBytes(int(request.width), int(request.height))
                                    : I420Bytes(int(request.width), int(request.height));
    v4l2_format fmt;
    std::memset(&fmt, 0, sizeof(fmt));
    fmt.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    fmt.fmt.pix.width = request.width;
    fmt.fmt.pix.height = request.height;
    fmt.fmt.pix.pixelformat = fourcc;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    fmt.fmt.pix.bytesperline = yuyv ? request.width * 2 : request.width;
    fmt.fmt.pix.sizeimage = uint32_t(wanted_size);
    fmt.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
    if (XIoctl(*sys_, fd_, VIDIOC_S_FMT, &fmt) != 0) {
      if (errno == EINVAL) {
        throw DeviceError("EUNSUPPORTED", path + " refused " + FourccName(fourcc) + " " + std::to_string(request.width) +
                                              "x" + std::to_string(request.height));
      }
      throw SystemError(errno, "VIDIOC_S_FMT", path);
    }
    const uint32_t min_line = yuyv ? request.width * 2 : request.width;
    if (fmt.fmt.pix.pixelformat != fourcc || fmt.fmt.pix.width != request.width ||
        fmt.fmt.pix.height != request.height || fmt.fmt.pix.bytesperline < min_line) {
      throw DeviceError("EUNSUPPORTED", path + " set " + FourccName(fmt.fmt.pix.pixelformat) + " " +
                                            std::to_string(fmt.fmt.pix.width) + "x" +
                                            std::to_string(fmt.fmt.pix.height) + " instead of " + FourccName(fourcc) +
                                            " " + std::to_string(request.width) + "x" + std::to_string(request.height) +
                                            " (is another program writing to it with another format?)");
    }
    info_.bytes_per_line = fmt.fmt.pix.bytesperline;
    const size_t padded_size =
        yuyv ? size_t(info_.bytes_per_line) * request.height
             : size_t(info_.bytes_per_line) * request.height + 2 * size_t((info_.bytes_per_line + 1) / 2) * ((request.height + 1) / 2);
    // Exactly one image, not the driver's sizeimage: v4l2loopback 0.12 answers S_FMT with its
    // buffer size rounded up to a page, and marks each frame with as many bytes as were written,
    // so writing that many makes every frame whose size is not a multiple of 4096 (640x360 YUYV)
    // a wrong-sized buffer that ffmpeg and GStreamer drop.
    info_.size_image = uint32_t(padded_size);
    frame_.assign(info_.size_image, 0);

    // Streaming on the output side, though frames go by write(): v4l2loopback 0.12 marks a
    // writer only on STREAMON, and a write()-only writer leaves the node without VIDEO_OUTPUT
    // when it closes, so no program (facemat after a restart included) could write to it again
    // until the module was reloaded. It also readies the capture side before the first frame.
    // Optional: drivers without it still take write().
    v4l2_buf_type output_type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    XIoctl(*sys_, fd_, VIDIOC_STREAMON, &output_type);

    // Who watches: the driver's event if it has one, else inotify on the node, else unknown.
    info_.reader_detection = "none";
    for (uint32_t type : {kClientUsageEvent, kLegacyClientUsageEvent}) {
      v4l2_event_subscription sub;
      std::memset(&sub, 0, sizeof(sub));
      sub.type = type;
      sub.flags = V4L2_EVENT_SUB_FL_SEND_INITIAL;
      if (XIoctl(*sys_, fd_, VIDIOC_SUBSCRIBE_EVENT, &sub) == 0) {
        event_mode_ = true;
        info_.reader_detection = type == kClientUsageEvent ? "event" : "event-legacy";
        break;
      }
    }
    readers_ = -1;
    if (!event_mode_) {
      inotify_fd_ = sys_->InotifyInit();
      if (inotify_fd_ >= 0 &&
          sys_->InotifyAddWatch(inotify_fd_, path.c_str(), IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) >= 0) {
        info_.reader_detection = "inotify";
        inotify_count_ = 0;
        readers_ = 0;  // counted from now on; see docs/native.md for what this misses
      } else if (inotify_fd_ >= 0) {
        sys_->Close(inotify_fd_);
        inotify_fd_ = -1;
      }
    }

    wake_fd_ = sys_->EventFd();
    if (wake_fd_ < 0) throw SystemError(errno, "eventfd", path);
  } catch (...) {
    Teardown();
    throw;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = false;
    broken_ = false;
    stats_ = OutputStats{};
  }
  on_written_ = std::move(on_written);
  on_readers_ = std::move(on_readers);
  stop_ = false;
  thread_ = std::thread(&LoopbackWriter::Loop, this);
  return info_;
}

bool LoopbackWriter::Submit(const uint8_t* rgba, WriteResult* error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) {
      *error = {false, "ECLOSED", "virtual camera output is not open"};
      return false;
    }
    if (broken_) {
      *error = broken_result_;
      return false;
    }
    if (pending_) {
      *error = {false, "EBUSY", "a frame is still being written to " + path_};
      return false;
    }
  }
  // Converted here, on the caller's thread, while the writer thread is idle (no frame pending):
  // the caller may reuse `rgba` as soon as this returns (the FrameSink contract), so the writer
  // thread must never read it. frame_ is the writer's alone from `pending_ = true` until it
  // clears the flag.
  Convert(rgba);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = true;
  }
  WakeWorker(*sys_, wake_fd_);
  return true;
}

void LoopbackWriter::Convert(const uint8_t* rgba) {
  const int width = int(request_.width);
  const int height = int(request_.height);
  const size_t line = info_.bytes_per_line;
  const YuvCoefficients& c = Coefficients(request_.matrix, YuvRange::kLimited);
  if (request_.format == OutputPixelFormat::kYuyv) {
    RgbaToYuyv(rgba, size_t(width) * 4, width, height, frame_.data(), line, c);
  } else {
    const size_t chroma_line = (line + 1) / 2;
    uint8_t* u = frame_.data() + line * height;
    uint8_t* v = u + chroma_line * ((height + 1) / 2);
    RgbaToI420(rgba, size_t(width) * 4, width, height, frame_.data(), line, u, chroma_line, v, chroma_line, c);
  }
}

bool LoopbackWriter::Close() {
  StopWorker(*sys_, wake_fd_, stop_, thread_);
  bool had_pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    had_pending = pending_;
    pending_ = false;
  }
  Teardown();
  return had_pending;
}

OutputStats LoopbackWriter::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void LoopbackWriter::Teardown() {
  if (inotify_fd_ >= 0) sys_->Close(inotify_fd_);
  inotify_fd_ = -1;
  if (wake_fd_ >= 0) sys_->Close(wake_fd_);
  wake_fd_ = -1;
  event_mode_ = false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) sys_->Close(fd_);
  fd_ = -1;
}

void LoopbackWriter::Loop() {
  // Set once the device reports an error: it leaves the poll set (poll would otherwise return
  // POLLERR at once, forever) and every later frame fails with the stored error.
  bool device_gone = false;
  while (!stop_) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {-1, 0, 0}};
    nfds_t count = 1;
    if (event_mode_ && !device_gone) fds[count++] = {fd_, POLLPRI, 0};
    if (inotify_fd_ >= 0 && !device_gone) fds[count++] = {inotify_fd_, POLLIN, 0};
    const int ready = sys_->Poll(fds, count, 1000);
    if (stop_) return;
    if (ready < 0) {
      if (errno == EINTR) continue;
      Break(SystemError(errno, "poll", path_));
      device_gone = true;
      continue;
    }
    if (count > 1 && fds[1].fd == fd_) {
      if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        Break(SystemError(ENODEV, "poll", path_));
        device_gone = true;
      } else if (fds[1].revents & POLLPRI) {
        DrainEvents();
      }
    }
    if (count > 1 && fds[1].fd == inotify_fd_ && (fds[1].revents & POLLIN)) DrainInotify();
    if (fds[0].revents & POLLIN) {
      ClearWake(*sys_, wake_fd_);
      bool pending;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending = pending_;
      }
      if (!pending) continue;
      const WriteResult result = WriteFrame();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = false;
        if (!result.ok && result.code != "EAGAIN") {
          broken_ = true;
          broken_result_ = result;
        }
      }
      on_written_(result);
    }
  }
}

void LoopbackWriter::Break(const DeviceError& error) {
  bool pending;
  const WriteResult result{false, error.code(), error.what()};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (broken_) return;
    broken_ = true;
    broken_result_ = result;
    pending = pending_;
    pending_ = false;
  }
  if (pending) on_written_(result);
}

WriteResult LoopbackWriter::WriteFrame() {
  size_t offset = 0;
  int polls = 0;
  while (offset < frame_.size()) {
    const ssize_t written = sys_->Write(fd_, frame_.data() + offset, frame_.size() - offset);
    if (written > 0) {
      if (size_t(written) < frame_.size() - offset) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++stats_.partial_writes;
      }
      offset += size_t(written);
      continue;
    }
    const int err = written < 0 ? errno : EAGAIN;
    if (err == EINTR) continue;
    if (err != EAGAIN) {
      DeviceError error = SystemError(err, "write", path_);
      return {false, error.code(), error.what()};
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.would_block;
    }
    if (stop_ || ++polls > kMaxWritePolls) {
      return {false, "EAGAIN", path_ + " did not take the frame within " +
                                   std::to_string(kWritePollMs * kMaxWritePolls) + " ms; frame dropped"};
    }
    // v4l2loopback reports a writer as always writable, so poll(POLLOUT) would return at once
    // and this would spin: wait on the wake fd instead, which Close() also uses to cut it short.
    pollfd wake{wake_fd_, POLLIN, 0};
    sys_->Poll(&wake, 1, kWritePollMs);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.frames;
  return {true, "", ""};
}

void LoopbackWriter::DrainEvents() {
  for (;;) {
    v4l2_event event;
    std::memset(&event, 0, sizeof(event));
    if (XIoctl(*sys_, fd_, VIDIOC_DQEVENT, &event) != 0) return;
    if (event.type == kClientUsageEvent || event.type == kLegacyClientUsageEvent) {
      uint32_t count;
      std::memcpy(&count, event.u.data, sizeof(count));
      SetReaders(int32_t(std::min<uint32_t>(count, 1u << 30)));
    }
  }
}

void LoopbackWriter::DrainInotify() {
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t length = sys_->Read(inotify_fd_, buffer, sizeof(buffer));
    if (length <= 0) break;
    for (ssize_t at = 0; at + ssize_t(sizeof(inotify_event)) <= length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->mask & IN_OPEN) ++inotify_count_;
      if ((event->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) && inotify_count_ > 0) --inotify_count_;
      at += ssize_t(sizeof(inotify_event) + event->len);
    }
  }
  // The events say when to look; the open descriptors say how many. Counting events alone
  // drifts: the kernel merges an OPEN into an identical one still queued, so two consumers
  // opening at once count as one, and the first close then reads as nobody watching.
  const int openers = sys_->CountOpeners(path_.c_str());
  if (openers > 0) inotify_count_ = openers - 1;  // less this writer's own descriptor
  SetReaders(inotify_count_);
}

void LoopbackWriter::SetReaders(int32_t readers) {
  if (readers_.exchange(readers) != readers) on_readers_(readers);
}

}  // namespace facemat
