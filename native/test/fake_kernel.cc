#include "fake_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace facemat::testing {
namespace {

constexpr uint32_t kUsageEvent = V4L2_EVENT_PRIVATE_START + 0x08E00000 + 1;
constexpr uint32_t kLegacyUsageEvent = V4L2_EVENT_PRIVATE_START;
constexpr off_t kOffsetStep = 0x100000;  // QUERYBUF m.offset of buffer i is i * kOffsetStep

int Fail(int err) {
  errno = err;
  return -1;
}

const char* IoctlName(unsigned long request) {
  switch (request) {
    case VIDIOC_QUERYCAP: return "QUERYCAP";
    case VIDIOC_ENUM_FMT: return "ENUM_FMT";
    case VIDIOC_ENUM_FRAMESIZES: return "ENUM_FRAMESIZES";
    case VIDIOC_ENUM_FRAMEINTERVALS: return "ENUM_FRAMEINTERVALS";
    case VIDIOC_G_FMT: return "G_FMT";
    case VIDIOC_S_FMT: return "S_FMT";
    case VIDIOC_G_PARM: return "G_PARM";
    case VIDIOC_S_PARM: return "S_PARM";
    case VIDIOC_REQBUFS: return "REQBUFS";
    case VIDIOC_QUERYBUF: return "QUERYBUF";
    case VIDIOC_QBUF: return "QBUF";
    case VIDIOC_DQBUF: return "DQBUF";
    case VIDIOC_STREAMON: return "STREAMON";
    case VIDIOC_STREAMOFF: return "STREAMOFF";
    case VIDIOC_SUBSCRIBE_EVENT: return "SUBSCRIBE_EVENT";
    case VIDIOC_UNSUBSCRIBE_EVENT: return "UNSUBSCRIBE_EVENT";
    case VIDIOC_DQEVENT: return "DQEVENT";
    default: return "UNKNOWN";
  }
}

uint32_t LineBytes(uint32_t fourcc, uint32_t width) {
  switch (fourcc) {
    case V4L2_PIX_FMT_YUYV: return width * 2;
    case V4L2_PIX_FMT_NV12:
    case V4L2_PIX_FMT_YUV420: return width;
    default: return 0;  // compressed
  }
}

uint32_t ImageBytes(uint32_t fourcc, uint32_t line, uint32_t width, uint32_t height) {
  switch (fourcc) {
    case V4L2_PIX_FMT_YUYV: return line * height;
    case V4L2_PIX_FMT_NV12: return line * height + line * ((height + 1) / 2);
    case V4L2_PIX_FMT_YUV420: return line * height + 2 * ((line + 1) / 2) * ((height + 1) / 2);
    default: return width * height * 2;  // what uvcvideo reserves for an MJPEG frame
  }
}

long NodeNumber(const std::string& path) {
  const size_t digits = path.find_last_not_of("0123456789");
  return digits + 1 < path.size() ? std::strtol(path.c_str() + digits + 1, nullptr, 10) : -1;
}

}  // namespace

// ---- test controls -------------------------------------------------------------------------

void FakeKernel::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  devices_.clear();
  unplugged_.clear();
  history_.clear();
  // Open files and mappings belong to whoever holds them; a test that leaks one fails its
  // OpenFiles()/Mappings() check rather than having it vanish here.
  changed_.notify_all();
}

void FakeKernel::AddCamera(const FakeCameraSpec& spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = std::make_shared<Device>();
  device->camera = spec;
  devices_[spec.path] = device;
  history_[spec.path] = device;
  unplugged_.erase(spec.path);
}

void FakeKernel::AddLoopback(const FakeLoopbackSpec& spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = std::make_shared<Device>();
  device->loopback = true;
  device->output = spec;
  devices_[spec.path] = device;
  history_[spec.path] = device;
  unplugged_.erase(spec.path);
}

bool FakeKernel::PushFrame(const std::string& path, const std::vector<uint8_t>& data, bool error_flag) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device || device->loopback) return false;
  if (!device->streaming || device->queued.empty()) {
    ++device->dropped;
    return false;
  }
  const uint32_t index = device->queued.front();
  device->queued.pop_front();
  Buffer& buffer = device->buffers[index];
  const size_t size = std::min(data.size(), buffer.memory->size());
  std::memcpy(buffer.memory->data(), data.data(), size);
  buffer.bytes_used = uint32_t(size);
  buffer.sequence = device->sequence++;
  buffer.flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | (error_flag ? V4L2_BUF_FLAG_ERROR : 0);
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  buffer.timestamp.tv_sec = now.tv_sec;
  buffer.timestamp.tv_usec = now.tv_nsec / 1000;
  buffer.state = BufferState::kDone;
  device->done.push_back(index);
  changed_.notify_all();
  return true;
}

void FakeKernel::Unplug(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device) return;
  device->present = false;
  devices_.erase(path);
  unplugged_[path] = device;
  changed_.notify_all();
}

void FakeKernel::Replug(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto old = unplugged_.find(path);
  if (old == unplugged_.end()) return;
  // A new device instance: nothing of the old one's state survives, as with a real replug.
  auto device = std::make_shared<Device>();
  device->loopback = old->second->loopback;
  device->camera = old->second->camera;
  device->output = old->second->output;
  unplugged_.erase(old);
  devices_[path] = device;
  history_[path] = device;
  changed_.notify_all();
}

void FakeKernel::SetBusy(const std::string& path, bool busy) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto device = Find(path)) device->busy_elsewhere = busy;
}

void FakeKernel::AddReader(const std::string& path, int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device) return;
  for (int i = 0; i < count; ++i) {
    NotifyInotify(path, IN_OPEN);
    ++device->readers;
  }
  NotifyUsage(*device);
}

void FakeKernel::RemoveReader(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device || device->readers == 0) return;
  --device->readers;
  NotifyUsage(*device);
  NotifyInotify(path, IN_CLOSE_NOWRITE);
}

void FakeKernel::SetWriteBehaviour(const std::string& path, size_t max_chunk, int eagain_count) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto device = Find(path)) {
    device->max_chunk = max_chunk;
    device->eagain_left = eagain_count;
  }
}

bool FakeKernel::LastFrame(const std::string& path, std::vector<uint8_t>* frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = history_.find(path);
  if (it == history_.end() || !it->second->has_frame) return false;
  *frame = it->second->last_frame;
  return true;
}

FakeDeviceState FakeKernel::State(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  FakeDeviceState state;
  auto it = history_.find(path);
  if (it == history_.end()) return state;
  const Device& device = *it->second;
  state.present = device.present;
  state.streaming = device.streaming;
  state.buffers = device.buffers.size();
  state.queued = device.queued.size();
  state.done = device.done.size();
  state.dropped = device.dropped;
  state.fourcc = device.pix.pixelformat;
  state.width = device.pix.width;
  state.height = device.pix.height;
  state.bytes_per_line = device.pix.bytesperline;
  state.size_image = device.pix.sizeimage;
  state.fps = device.interval.numerator ? double(device.interval.denominator) / device.interval.numerator : 0;
  state.frames_written = device.frames_written;
  state.readers = device.readers;
  state.has_writer = device.writer_fd >= 0;
  for (const auto& [fd, file] : files_) {
    if (file.device == it->second) ++state.open_files;
  }
  return state;
}

std::vector<std::string> FakeKernel::Calls(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = history_.find(path);
  return it == history_.end() ? std::vector<std::string>{} : it->second->calls;
}

size_t FakeKernel::OpenFiles() {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.size();
}

size_t FakeKernel::Mappings() {
  std::lock_guard<std::mutex> lock(mutex_);
  return mappings_.size();
}

uint64_t FakeKernel::Polls() {
  std::lock_guard<std::mutex> lock(mutex_);
  return polls_;
}

// ---- system calls --------------------------------------------------------------------------

std::shared_ptr<FakeKernel::Device> FakeKernel::Find(const std::string& path) {
  auto it = devices_.find(path);
  return it == devices_.end() ? nullptr : it->second;
}

int FakeKernel::NewFile(File file) {
  const int fd = next_fd_++;
  files_.emplace(fd, std::move(file));
  return fd;
}

int FakeKernel::Open(const char* path, int flags) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device) return Fail(ENOENT);
  File file{FileKind::kDevice, device, path, flags};
  NotifyInotify(path, IN_OPEN);
  return NewFile(std::move(file));
}

int FakeKernel::Close(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end()) return Fail(EBADF);
  File& file = it->second;
  if (file.kind == FileKind::kDevice) {
    Device& device = *file.device;
    if (device.owner_fd == fd) ReleaseBuffers(device);
    if (device.writer_fd == fd) {
      device.writer_fd = -1;
      device.partial.clear();
    }
    if (device.streaming_writer_fd == fd) {
      device.streaming_writer_fd = -1;
      device.output_announced = true;
    }
    if (device.present) {
      NotifyInotify(file.path, (file.flags & O_ACCMODE) == O_RDONLY ? IN_CLOSE_NOWRITE : IN_CLOSE_WRITE);
    }
  }
  files_.erase(it);
  changed_.notify_all();
  return 0;
}

void FakeKernel::ReleaseBuffers(Device& device) {
  device.streaming = false;
  device.buffers.clear();  // memory still mapped stays alive through mappings_
  device.queued.clear();
  device.done.clear();
  device.owner_fd = -1;
}

int FakeKernel::Ioctl(int fd, unsigned long request, void* arg) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end()) return Fail(EBADF);
  if (it->second.kind != FileKind::kDevice) return Fail(ENOTTY);
  const int result = DeviceIoctl(fd, it->second, request, arg);
  changed_.notify_all();
  return result;
}

int FakeKernel::DeviceIoctl(int fd, File& file, unsigned long request, void* arg) {
  Device& device = *file.device;
  device.calls.push_back(IoctlName(request));
  if (!device.present) return Fail(ENODEV);
  if (request == VIDIOC_QUERYCAP) {
    auto* cap = static_cast<v4l2_capability*>(arg);
    std::memset(cap, 0, sizeof(*cap));
    const std::string& card = device.loopback ? device.output.card : device.camera.card;
    const std::string driver = device.loopback ? "v4l2 loopback" : device.camera.driver;
    const std::string bus = device.loopback ? "platform:v4l2loopback-000" : device.camera.bus;
    std::strncpy(reinterpret_cast<char*>(cap->driver), driver.c_str(), sizeof(cap->driver) - 1);
    std::strncpy(reinterpret_cast<char*>(cap->card), card.c_str(), sizeof(cap->card) - 1);
    std::strncpy(reinterpret_cast<char*>(cap->bus_info), bus.c_str(), sizeof(cap->bus_info) - 1);
    cap->version = 0x060100;
    cap->device_caps = device.loopback ? LoopbackCaps(device) : device.camera.caps;
    cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
    return 0;
  }
  return device.loopback ? LoopbackIoctl(fd, file, device, request, arg) : CaptureIoctl(fd, device, request, arg);
}

void FakeKernel::SetCaptureFormat(Device& device, v4l2_pix_format* pix) {
  const auto& formats = device.camera.formats;
  auto format = std::find_if(formats.begin(), formats.end(), [&](const FakeFormat& f) { return f.fourcc == pix->pixelformat; });
  if (format == formats.end()) format = formats.begin();  // drivers adjust, they do not refuse
  const FakeSize* best = &format->sizes.front();
  auto distance = [&](const FakeSize& size) {
    return std::labs(long(size.width) * size.height - long(pix->width) * pix->height) +
           std::labs(long(size.width) - long(pix->width));
  };
  for (const FakeSize& size : format->sizes) {
    if (distance(size) < distance(*best)) best = &size;
  }
  v4l2_pix_format result{};
  result.pixelformat = format->fourcc;
  result.width = best->width;
  result.height = best->height;
  result.field = V4L2_FIELD_NONE;
  const uint32_t line = LineBytes(format->fourcc, best->width);
  result.bytesperline = line ? line + device.camera.bytes_per_line_padding : 0;
  result.sizeimage = ImageBytes(format->fourcc, result.bytesperline, best->width, best->height);
  result.colorspace = device.camera.colorspace;
  result.quantization = device.camera.quantization;
  *pix = result;
}

int FakeKernel::CaptureIoctl(int fd, Device& device, unsigned long request, void* arg) {
  const FakeCameraSpec& spec = device.camera;
  const bool video = (spec.caps & V4L2_CAP_VIDEO_CAPTURE) != 0;
  auto find_format = [&](uint32_t fourcc) -> const FakeFormat* {
    for (const FakeFormat& format : spec.formats) {
      if (format.fourcc == fourcc) return &format;
    }
    return nullptr;
  };
  auto owned_elsewhere = [&] { return device.busy_elsewhere || (device.owner_fd >= 0 && device.owner_fd != fd); };
  switch (request) {
    case VIDIOC_ENUM_FMT: {
      auto* desc = static_cast<v4l2_fmtdesc*>(arg);
      if (!video || desc->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || desc->index >= spec.formats.size()) return Fail(EINVAL);
      const uint32_t fourcc = spec.formats[desc->index].fourcc;
      desc->pixelformat = fourcc;
      desc->flags = (fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_H264) ? V4L2_FMT_FLAG_COMPRESSED : 0;
      const std::string name = fourcc == V4L2_PIX_FMT_MJPEG ? "Motion-JPEG" : fourcc == V4L2_PIX_FMT_YUYV ? "YUYV 4:2:2" : "Fake format";
      std::strncpy(reinterpret_cast<char*>(desc->description), name.c_str(), sizeof(desc->description) - 1);
      return 0;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
      auto* size = static_cast<v4l2_frmsizeenum*>(arg);
      const FakeFormat* format = find_format(size->pixel_format);
      if (!format || size->index >= format->sizes.size()) return Fail(EINVAL);
      size->type = V4L2_FRMSIZE_TYPE_DISCRETE;
      size->discrete.width = format->sizes[size->index].width;
      size->discrete.height = format->sizes[size->index].height;
      return 0;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
      auto* interval = static_cast<v4l2_frmivalenum*>(arg);
      const FakeFormat* format = find_format(interval->pixel_format);
      if (!format) return Fail(EINVAL);
      for (const FakeSize& size : format->sizes) {
        if (size.width != interval->width || size.height != interval->height) continue;
        if (interval->index >= size.intervals.size()) return Fail(EINVAL);
        interval->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        interval->discrete = size.intervals[interval->index];
        return 0;
      }
      return Fail(EINVAL);
    }
    case VIDIOC_G_FMT:
    case VIDIOC_S_FMT: {
      auto* fmt = static_cast<v4l2_format*>(arg);
      if (!video || fmt->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return Fail(EINVAL);
      if (request == VIDIOC_S_FMT) {
        if (owned_elsewhere() || device.streaming) return Fail(EBUSY);
        SetCaptureFormat(device, &fmt->fmt.pix);
        device.pix = fmt->fmt.pix;
      } else {
        fmt->fmt.pix = device.pix;
      }
      return 0;
    }
    case VIDIOC_S_PARM:
    case VIDIOC_G_PARM: {
      auto* parm = static_cast<v4l2_streamparm*>(arg);
      if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return Fail(EINVAL);
      if (request == VIDIOC_S_PARM) {
        // The nearest interval the current size offers.
        const v4l2_fract wanted = parm->parm.capture.timeperframe;
        const double wanted_fps = wanted.numerator ? double(wanted.denominator) / wanted.numerator : 30;
        const FakeFormat* format = find_format(device.pix.pixelformat);
        auto fps_of = [](const v4l2_fract& f) { return double(f.denominator) / f.numerator; };
        for (const FakeSize& size : format ? format->sizes : std::vector<FakeSize>{}) {
          if (size.width != device.pix.width || size.height != device.pix.height || size.intervals.empty()) continue;
          v4l2_fract best = size.intervals.front();
          for (const v4l2_fract& offered : size.intervals) {
            if (std::fabs(fps_of(offered) - wanted_fps) < std::fabs(fps_of(best) - wanted_fps)) best = offered;
          }
          device.interval = best;
        }
      }
      std::memset(&parm->parm, 0, sizeof(parm->parm));
      parm->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
      parm->parm.capture.timeperframe = device.interval;
      return 0;
    }
    case VIDIOC_REQBUFS: {
      auto* req = static_cast<v4l2_requestbuffers*>(arg);
      if (req->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || req->memory != V4L2_MEMORY_MMAP) return Fail(EINVAL);
      if (owned_elsewhere() || device.streaming) return Fail(EBUSY);
      ReleaseBuffers(device);
      if (req->count == 0) return 0;
      req->count = std::min(req->count, spec.max_buffers);
      for (uint32_t i = 0; i < req->count; ++i) {
        Buffer buffer;
        buffer.memory = std::make_shared<std::vector<uint8_t>>(device.pix.sizeimage);
        device.buffers.push_back(buffer);
      }
      device.owner_fd = fd;
      return 0;
    }
    case VIDIOC_QUERYBUF:
    case VIDIOC_QBUF:
    case VIDIOC_DQBUF: {
      auto* buffer = static_cast<v4l2_buffer*>(arg);
      if (device.owner_fd != fd) return Fail(EBUSY);
      if (request == VIDIOC_DQBUF) {
        if (device.done.empty()) return Fail(EAGAIN);
        const uint32_t index = device.done.front();
        device.done.pop_front();
        Buffer& done = device.buffers[index];
        done.state = BufferState::kUser;
        buffer->index = index;
        buffer->bytesused = done.bytes_used;
        buffer->flags = done.flags;
        buffer->sequence = done.sequence;
        buffer->timestamp = done.timestamp;
        buffer->length = uint32_t(done.memory->size());
        buffer->field = V4L2_FIELD_NONE;
        return 0;
      }
      if (buffer->index >= device.buffers.size()) return Fail(EINVAL);
      Buffer& entry = device.buffers[buffer->index];
      if (request == VIDIOC_QUERYBUF) {
        buffer->length = uint32_t(entry.memory->size());
        buffer->m.offset = uint32_t(buffer->index * kOffsetStep);
        return 0;
      }
      if (entry.state != BufferState::kUser) return Fail(EINVAL);
      entry.state = BufferState::kQueued;
      device.queued.push_back(buffer->index);
      return 0;
    }
    case VIDIOC_STREAMON:
      if (device.owner_fd != fd || device.buffers.empty()) return Fail(EINVAL);
      device.streaming = true;
      return 0;
    case VIDIOC_STREAMOFF:
      if (device.owner_fd != fd) return Fail(EINVAL);
      device.streaming = false;
      for (Buffer& buffer : device.buffers) buffer.state = BufferState::kUser;
      device.queued.clear();
      device.done.clear();
      return 0;
    default:
      return Fail(ENOTTY);
  }
}

uint32_t FakeKernel::LoopbackCaps(const Device& device) const {
  const uint32_t base = V4L2_CAP_STREAMING | V4L2_CAP_READWRITE;
  if (!device.output.exclusive_caps) return base | V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_OUTPUT;
  // exclusive_caps=1: an output until a writer has set a format, then only a capture device.
  return base | (device.writer_fd >= 0 || !device.output_announced ? V4L2_CAP_VIDEO_CAPTURE : V4L2_CAP_VIDEO_OUTPUT);
}

int FakeKernel::LoopbackIoctl(int fd, File& file, Device& device, unsigned long request, void* arg) {
  switch (request) {
    case VIDIOC_S_PARM:
    case VIDIOC_G_PARM: {
      auto* parm = static_cast<v4l2_streamparm*>(arg);
      if (parm->type != V4L2_BUF_TYPE_VIDEO_OUTPUT && parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return Fail(EINVAL);
      if (request == VIDIOC_S_PARM) {
        if (parm->type != V4L2_BUF_TYPE_VIDEO_OUTPUT) return Fail(EINVAL);
        if (parm->parm.output.timeperframe.numerator == 0) return Fail(EINVAL);
        device.interval = parm->parm.output.timeperframe;
      }
      parm->parm.output.timeperframe = device.interval;
      return 0;
    }
    case VIDIOC_S_FMT:
    case VIDIOC_G_FMT: {
      auto* fmt = static_cast<v4l2_format*>(arg);
      if (request == VIDIOC_G_FMT) {
        fmt->fmt.pix = device.pix;
        return 0;
      }
      if (fmt->type != V4L2_BUF_TYPE_VIDEO_OUTPUT) return Fail(EINVAL);
      if (device.writer_fd >= 0 && device.writer_fd != fd) return Fail(EBUSY);
      const uint32_t fourcc = fmt->fmt.pix.pixelformat;
      if (fourcc != V4L2_PIX_FMT_YUYV && fourcc != V4L2_PIX_FMT_YUV420) return Fail(EINVAL);
      v4l2_pix_format& pix = fmt->fmt.pix;
      const uint32_t line = LineBytes(fourcc, pix.width);
      pix.bytesperline = std::max(pix.bytesperline, line);
      pix.sizeimage = ImageBytes(fourcc, pix.bytesperline, pix.width, pix.height);
      pix.field = V4L2_FIELD_NONE;
      device.pix = pix;
      device.writer_fd = fd;
      device.partial.clear();
      // v4l2loopback 0.12 tells the writer its buffer size, rounded up to a page, while readers
      // are told (and the frames here are cut at) the exact image size.
      pix.sizeimage = (pix.sizeimage + 4095) / 4096 * 4096;
      return 0;
    }
    case VIDIOC_SUBSCRIBE_EVENT: {
      auto* sub = static_cast<v4l2_event_subscription*>(arg);
      const bool known = (sub->type == kUsageEvent && device.output.events == UsageEvents::kCurrent) ||
                         (sub->type == kLegacyUsageEvent && device.output.events == UsageEvents::kLegacy);
      if (!known) return Fail(EINVAL);
      file.subscriptions.insert(sub->type);
      file.usage_type = sub->type;
      if (sub->flags & V4L2_EVENT_SUB_FL_SEND_INITIAL) file.usage_events.push_back(uint32_t(device.readers));
      return 0;
    }
    case VIDIOC_UNSUBSCRIBE_EVENT:
      file.subscriptions.erase(static_cast<v4l2_event_subscription*>(arg)->type);
      return 0;
    case VIDIOC_STREAMON: {
      if (*static_cast<const v4l2_buf_type*>(arg) != V4L2_BUF_TYPE_VIDEO_OUTPUT) return Fail(EINVAL);
      device.streaming_writer_fd = fd;
      device.output_announced = false;
      return 0;
    }
    case VIDIOC_DQEVENT: {
      if (file.usage_events.empty()) return Fail(ENOENT);
      auto* event = static_cast<v4l2_event*>(arg);
      std::memset(event, 0, sizeof(*event));
      event->type = file.usage_type;
      const uint32_t count = file.usage_events.front();
      file.usage_events.pop_front();
      std::memcpy(event->u.data, &count, sizeof(count));
      event->pending = uint32_t(file.usage_events.size());
      return 0;
    }
    default:
      return Fail(ENOTTY);
  }
}

void FakeKernel::NotifyInotify(const std::string& path, uint32_t mask) {
  for (auto& [fd, file] : files_) {
    if (file.kind != FileKind::kInotify) continue;
    for (const auto& [wd, watched] : file.watches) {
      if (watched != path) continue;
      // As the kernel does: an event identical to the last one still queued is merged into it.
      if (!file.inotify_events.empty()) {
        inotify_event last;
        std::memcpy(&last, file.inotify_events.back().data(), sizeof(last));
        if (last.wd == wd && last.mask == mask) continue;
      }
      std::vector<uint8_t> raw(sizeof(inotify_event));
      inotify_event event{};
      event.wd = wd;
      event.mask = mask;
      std::memcpy(raw.data(), &event, sizeof(event));
      file.inotify_events.push_back(std::move(raw));
    }
  }
  changed_.notify_all();
}

void FakeKernel::NotifyUsage(Device& device) {
  // v4l2loopback keeps one pending usage event per subscriber, replaced by the newest count.
  for (auto& [fd, file] : files_) {
    if (file.device.get() != &device || file.subscriptions.empty()) continue;
    file.usage_events.clear();
    file.usage_events.push_back(uint32_t(device.readers));
  }
  changed_.notify_all();
}

void* FakeKernel::Mmap(size_t length, int prot, int flags, int fd, off_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end() || it->second.kind != FileKind::kDevice) {
    errno = EBADF;
    return MAP_FAILED;
  }
  Device& device = *it->second.device;
  const size_t index = size_t(offset / kOffsetStep);
  if (!device.present) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  if (offset % kOffsetStep != 0 || index >= device.buffers.size() || length > device.buffers[index].memory->size()) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  auto memory = device.buffers[index].memory;
  mappings_[memory->data()] = memory;
  return memory->data();
}

int FakeKernel::Munmap(void* addr, size_t) {
  std::lock_guard<std::mutex> lock(mutex_);
  return mappings_.erase(addr) ? 0 : Fail(EINVAL);
}

short FakeKernel::Revents(const pollfd& pfd) {
  auto it = files_.find(pfd.fd);
  if (it == files_.end()) return POLLNVAL;
  const File& file = it->second;
  short ready = 0;
  switch (file.kind) {
    case FileKind::kEvent:
      ready = POLLOUT | (file.counter ? POLLIN : 0);
      break;
    case FileKind::kInotify:
      ready = file.inotify_events.empty() ? 0 : POLLIN;
      break;
    case FileKind::kDevice: {
      const Device& device = *file.device;
      if (!device.present) return POLLERR | POLLHUP;
      if (!file.usage_events.empty()) ready |= POLLPRI;
      if (device.loopback) {
        ready |= POLLOUT;
      } else if (device.owner_fd == pfd.fd) {
        if (!device.streaming) ready |= POLLERR;  // as vb2 does when not streaming
        if (!device.done.empty()) ready |= POLLIN;
      }
      break;
    }
  }
  return short(ready & (pfd.events | POLLERR | POLLHUP | POLLNVAL));
}

int FakeKernel::Poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  ++polls_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    int ready = 0;
    for (nfds_t i = 0; i < count; ++i) {
      fds[i].revents = fds[i].fd < 0 ? 0 : Revents(fds[i]);
      if (fds[i].revents) ++ready;
    }
    if (ready > 0 || timeout_ms == 0) return ready;
    if (timeout_ms < 0) {
      changed_.wait(lock);
    } else if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (nfds_t i = 0; i < count; ++i) {
        fds[i].revents = fds[i].fd < 0 ? 0 : Revents(fds[i]);
        if (fds[i].revents) ++ready;
      }
      return ready;
    }
  }
}

ssize_t FakeKernel::Read(int fd, void* buffer, size_t length) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end()) return Fail(EBADF);
  File& file = it->second;
  if (file.kind == FileKind::kEvent) {
    if (length < sizeof(uint64_t)) return Fail(EINVAL);
    if (file.counter == 0) return Fail(EAGAIN);
    std::memcpy(buffer, &file.counter, sizeof(uint64_t));
    file.counter = 0;
    return sizeof(uint64_t);
  }
  if (file.kind == FileKind::kInotify) {
    if (file.inotify_events.empty()) return Fail(EAGAIN);
    size_t used = 0;
    while (!file.inotify_events.empty() && used + file.inotify_events.front().size() <= length) {
      std::memcpy(static_cast<uint8_t*>(buffer) + used, file.inotify_events.front().data(),
                  file.inotify_events.front().size());
      used += file.inotify_events.front().size();
      file.inotify_events.pop_front();
    }
    return used ? ssize_t(used) : Fail(EINVAL);
  }
  return Fail(file.device->present ? EINVAL : ENODEV);
}

ssize_t FakeKernel::Write(int fd, const void* buffer, size_t length) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end()) return Fail(EBADF);
  File& file = it->second;
  if (file.kind == FileKind::kEvent) {
    if (length < sizeof(uint64_t)) return Fail(EINVAL);
    uint64_t value;
    std::memcpy(&value, buffer, sizeof(value));
    file.counter += value;
    changed_.notify_all();
    return sizeof(uint64_t);
  }
  if (file.kind != FileKind::kDevice) return Fail(EINVAL);
  Device& device = *file.device;
  if (!device.present) return Fail(ENODEV);
  if (!device.loopback || device.writer_fd != fd) return Fail(EINVAL);
  device.output_announced = false;
  if (device.eagain_left > 0) {
    --device.eagain_left;
    return Fail(EAGAIN);
  }
  const size_t take = device.max_chunk ? std::min(length, device.max_chunk) : length;
  const uint8_t* bytes = static_cast<const uint8_t*>(buffer);
  device.partial.insert(device.partial.end(), bytes, bytes + take);
  if (device.partial.size() >= device.pix.sizeimage) {
    device.last_frame.assign(device.partial.begin(), device.partial.begin() + device.pix.sizeimage);
    device.partial.erase(device.partial.begin(), device.partial.begin() + device.pix.sizeimage);
    device.has_frame = true;
    ++device.frames_written;
  }
  changed_.notify_all();
  return ssize_t(take);
}

int FakeKernel::EventFd() {
  std::lock_guard<std::mutex> lock(mutex_);
  return NewFile(File{FileKind::kEvent, nullptr, "eventfd"});
}

int FakeKernel::CountOpeners(const char* path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto device = Find(path);
  if (!device) return -1;
  int count = int(device->readers);  // consumers the tests add, in other processes
  for (const auto& [fd, file] : files_) {
    if (file.kind == FileKind::kDevice && file.device == device) ++count;
  }
  return count;
}

int FakeKernel::InotifyInit() {
  std::lock_guard<std::mutex> lock(mutex_);
  return NewFile(File{FileKind::kInotify, nullptr, "inotify"});
}

int FakeKernel::InotifyAddWatch(int fd, const char* path, uint32_t) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(fd);
  if (it == files_.end() || it->second.kind != FileKind::kInotify) return Fail(EBADF);
  if (!Find(path)) return Fail(ENOENT);
  const int wd = next_watch_++;
  it->second.watches[wd] = path;
  return wd;
}

std::vector<std::string> FakeKernel::VideoNodes() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> nodes;
  for (const auto& [path, device] : devices_) nodes.push_back(path);
  std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) {
    return NodeNumber(a) < NodeNumber(b);
  });
  return nodes;
}

}  // namespace facemat::testing
