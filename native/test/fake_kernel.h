// A test double of the kernel side of V4L2 capture and of v4l2loopback, behind the same
// Syscalls interface the addon uses for the real kernel. Built only into the test addon.
//
// It models what the capture and output code depends on: QUERYCAP capabilities, format
// enumeration and S_FMT adjustment, S_PARM, the mmap buffer queue (REQBUFS/QUERYBUF/QBUF/DQBUF/
// STREAMON/STREAMOFF) with frames pushed by the test, EBUSY when another process owns the
// stream, unplug (open fds fail with ENODEV, poll reports POLLERR|POLLHUP, the node vanishes)
// and replug, v4l2loopback's exclusive_caps, writes with partial writes and EAGAIN, readers
// coming and going (the client-usage event, current or legacy id, and inotify OPEN/CLOSE), an
// eventfd, and poll blocking across all of them.
#pragma once

#include <linux/videodev2.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "v4l2_syscalls.h"

namespace facemat::testing {

struct FakeSize {
  uint32_t width;
  uint32_t height;
  std::vector<v4l2_fract> intervals;  // seconds per frame
};

struct FakeFormat {
  uint32_t fourcc;
  std::vector<FakeSize> sizes;
};

struct FakeCameraSpec {
  std::string path;
  std::string card = "Fake Camera";
  std::string driver = "uvcvideo";
  std::string bus = "usb-0000:00:14.0-1";
  uint32_t caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
  std::vector<FakeFormat> formats;
  uint32_t colorspace = V4L2_COLORSPACE_SRGB;
  uint32_t quantization = V4L2_QUANTIZATION_DEFAULT;
  uint32_t bytes_per_line_padding = 0;  // extra bytes per row, as some drivers align rows
  uint32_t max_buffers = 4;
};

enum class UsageEvents { kNone, kCurrent, kLegacy };

struct FakeLoopbackSpec {
  std::string path;
  std::string card = "Dummy video device (0x0000)";
  bool exclusive_caps = true;
  UsageEvents events = UsageEvents::kCurrent;
};

struct FakeDeviceState {
  bool present = false;
  bool streaming = false;
  size_t buffers = 0;
  size_t queued = 0;
  size_t done = 0;
  uint64_t dropped = 0;  // pushed frames that found no queued buffer
  uint32_t fourcc = 0, width = 0, height = 0, bytes_per_line = 0, size_image = 0;
  double fps = 0;
  uint64_t frames_written = 0;
  int readers = 0;
  int open_files = 0;
  bool has_writer = false;
};

class FakeKernel final : public Syscalls {
 public:
  // Test controls (any thread).
  void Reset();
  void AddCamera(const FakeCameraSpec& spec);
  void AddLoopback(const FakeLoopbackSpec& spec);
  bool PushFrame(const std::string& path, const std::vector<uint8_t>& data, bool error_flag);
  void Unplug(const std::string& path);
  void Replug(const std::string& path);
  void SetBusy(const std::string& path, bool busy);
  // `count` consumers opening at once: their inotify OPEN events merge, as the kernel's do.
  void AddReader(const std::string& path, int count = 1);
  void RemoveReader(const std::string& path);
  void SetWriteBehaviour(const std::string& path, size_t max_chunk, int eagain_count);
  bool LastFrame(const std::string& path, std::vector<uint8_t>* frame);
  FakeDeviceState State(const std::string& path);
  std::vector<std::string> Calls(const std::string& path);
  size_t OpenFiles();
  size_t Mappings();
  uint64_t Polls();  // Poll calls so far: a thread spinning on a dead descriptor shows here

  // Syscalls.
  int Open(const char* path, int flags) override;
  int Close(int fd) override;
  int Ioctl(int fd, unsigned long request, void* arg) override;
  void* Mmap(size_t length, int prot, int flags, int fd, off_t offset) override;
  int Munmap(void* addr, size_t length) override;
  int Poll(struct pollfd* fds, nfds_t count, int timeout_ms) override;
  ssize_t Read(int fd, void* buffer, size_t length) override;
  ssize_t Write(int fd, const void* buffer, size_t length) override;
  int EventFd() override;
  int InotifyInit() override;
  int InotifyAddWatch(int fd, const char* path, uint32_t mask) override;
  std::vector<std::string> VideoNodes() override;
  int CountOpeners(const char* path) override;

 private:
  enum class BufferState { kUser, kQueued, kDone };
  struct Buffer {
    std::shared_ptr<std::vector<uint8_t>> memory;
    BufferState state = BufferState::kUser;
    uint32_t bytes_used = 0;
    uint32_t sequence = 0;
    uint32_t flags = 0;
    timeval timestamp{};
  };
  struct Device {
    bool loopback = false;
    bool present = true;
    FakeCameraSpec camera;
    FakeLoopbackSpec output;
    std::vector<std::string> calls;
    // capture
    bool busy_elsewhere = false;
    int owner_fd = -1;
    bool streaming = false;
    std::vector<Buffer> buffers;
    std::deque<uint32_t> queued;
    std::deque<uint32_t> done;
    uint32_t sequence = 0;
    uint64_t dropped = 0;
    v4l2_pix_format pix{};
    v4l2_fract interval{1, 30};
    // loopback
    int writer_fd = -1;
    // As v4l2loopback 0.12's ready_for_output: cleared by a write() or an output STREAMON, set
    // again only when a writer that did STREAMON closes (a write()-only writer leaves the node
    // without VIDEO_OUTPUT, so no program can write to it again until the module is reloaded).
    bool output_announced = true;
    int streaming_writer_fd = -1;
    std::vector<uint8_t> partial;
    std::vector<uint8_t> last_frame;
    bool has_frame = false;
    uint64_t frames_written = 0;
    size_t max_chunk = 0;
    int eagain_left = 0;
    int readers = 0;
  };
  enum class FileKind { kDevice, kEvent, kInotify };
  struct File {
    FileKind kind;
    std::shared_ptr<Device> device;
    std::string path;
    int flags = 0;
    std::set<uint32_t> subscriptions;
    std::deque<uint32_t> usage_events;  // reader counts, oldest first
    uint32_t usage_type = 0;
    uint64_t counter = 0;
    std::map<int, std::string> watches;
    std::deque<std::vector<uint8_t>> inotify_events;
  };

  int DeviceIoctl(int fd, File& file, unsigned long request, void* arg);
  int CaptureIoctl(int fd, Device& device, unsigned long request, void* arg);
  int LoopbackIoctl(int fd, File& file, Device& device, unsigned long request, void* arg);
  void SetCaptureFormat(Device& device, v4l2_pix_format* pix);
  void ReleaseBuffers(Device& device);
  void NotifyInotify(const std::string& path, uint32_t mask);
  void NotifyUsage(Device& device);
  short Revents(const pollfd& pfd);
  uint32_t LoopbackCaps(const Device& device) const;
  std::shared_ptr<Device> Find(const std::string& path);
  int NewFile(File file);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Device>> devices_;      // present nodes
  std::map<std::string, std::shared_ptr<Device>> unplugged_;    // specs to bring back
  std::map<std::string, std::shared_ptr<Device>> history_;      // last device per path, for State/Calls
  std::map<int, File> files_;
  std::map<void*, std::shared_ptr<std::vector<uint8_t>>> mappings_;
  int next_fd_ = 100000;  // far from real descriptors
  uint64_t polls_ = 0;
  int next_watch_ = 1;
};

}  // namespace facemat::testing
