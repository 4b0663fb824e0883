// The virtual camera: writes RGBA frames, converted to YUYV (or I420), to a v4l2loopback output
// node, and tells who watches. The sequence is the one OBS and backscrub use: open O_RDWR,
// QUERYCAP (VIDEO_OUTPUT required), S_PARM timeperframe = 1/fps, S_FMT, then one write() of a
// whole frame per frame. A writer thread does the conversion and the write, and watches for
// readers: v4l2loopback's client-usage event where the driver has it, inotify OPEN/CLOSE on
// the node otherwise.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "convert.h"
#include "device_error.h"
#include "v4l2_syscalls.h"

namespace facemat {

// v4l2loopback's private event (0.13+): payload a u32 count of streaming readers.
constexpr uint32_t kClientUsageEvent = 0x08000000u /* V4L2_EVENT_PRIVATE_START */ + 0x08E00000u + 1;
// The id some 0.12.x builds used (V4L2_EVENT_PRIVATE_START itself).
constexpr uint32_t kLegacyClientUsageEvent = 0x08000000u;

enum class OutputPixelFormat { kYuyv, kI420 };

struct OutputRequest {
  uint32_t width;
  uint32_t height;
  double fps;
  OutputPixelFormat format;
  YuvMatrix matrix;
};

struct OutputInfo {
  std::string card;
  std::string driver;
  uint32_t bytes_per_line;
  uint32_t size_image;
  std::string reader_detection;  // "event", "event-legacy", "inotify" or "none"
};

struct WriteResult {
  bool ok = false;
  std::string code;
  std::string message;
};

struct OutputStats {
  uint64_t frames = 0;          // whole frames written
  uint64_t partial_writes = 0;  // write() calls that took part of a frame
  uint64_t would_block = 0;     // EAGAIN answers waited out
};

class LoopbackWriter {
 public:
  using Completion = std::function<void(const WriteResult&)>;  // writer thread
  using ReadersChanged = std::function<void(int32_t readers)>;  // writer thread

  explicit LoopbackWriter(std::shared_ptr<Syscalls> sys);
  ~LoopbackWriter();
  LoopbackWriter(const LoopbackWriter&) = delete;
  LoopbackWriter& operator=(const LoopbackWriter&) = delete;

  // Throws DeviceError (ENOENT, EACCES, EBUSY, ENOTOUTPUT, EUNSUPPORTED, ...).
  OutputInfo Open(const std::string& path, const OutputRequest& request, Completion on_written,
                  ReadersChanged on_readers);

  // Converts one RGBA frame (width*height*4 bytes; read before this returns, so the caller may
  // reuse it at once) and queues it for the writer thread. Returns false and fills `error` at
  // once when not open, broken, or a frame is still being written.
  bool Submit(const uint8_t* rgba, WriteResult* error);

  // Returns true if a frame was still queued (the caller fails it; no completion comes).
  bool Close();

  bool is_open() const { return fd_ >= 0; }
  // Readers last reported; -1 while unknown (no event yet, or no way to tell).
  int32_t readers() const { return readers_.load(); }
  OutputStats stats() const;

 private:
  void Loop();
  void Convert(const uint8_t* rgba);  // into frame_, on the caller's thread
  WriteResult WriteFrame();             // frame_ to the device, on the writer thread
  void DrainEvents();
  void DrainInotify();
  void SetReaders(int32_t readers);
  void Break(const DeviceError& error);  // the device failed: fail the pending frame and all later ones
  void Teardown();

  std::shared_ptr<Syscalls> sys_;
  std::string path_;
  int fd_ = -1;
  int wake_fd_ = -1;
  int inotify_fd_ = -1;
  bool event_mode_ = false;
  OutputRequest request_{};
  OutputInfo info_;
  std::vector<uint8_t> frame_;  // the converted frame, size_image bytes
  Completion on_written_;
  ReadersChanged on_readers_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int32_t> readers_{-1};
  int32_t inotify_count_ = 0;

  mutable std::mutex mutex_;
  bool pending_ = false;  // frame_ holds a converted frame the writer thread has not written yet
  bool broken_ = false;
  WriteResult broken_result_;
  OutputStats stats_;
};

}  // namespace facemat
