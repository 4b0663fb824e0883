// A webcam being captured: opens and negotiates a V4L2 capture node, streams it through a short
// queue of mmap buffers, and runs a capture thread (poll + DQBUF + decode + QBUF) so the event
// loop never waits on the camera.
//
// Frames go to the caller one at a time: RequestFrame(target) hands over a buffer the thread
// decodes the next frame straight into. When no request is waiting, the thread decodes into an
// internal buffer ("latest"), so a request finds a frame at once; a newer frame replaces an
// unread one (counted as dropped): a live camera prefers dropping to queueing.
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
#include "frame_decoder.h"
#include "v4l2_syscalls.h"

namespace facemat {

struct CaptureRequest {
  uint32_t width;
  uint32_t height;
  double fps;
  uint32_t fourcc = 0;  // only this pixel format (V4L2_PIX_FMT_*); 0 lets the negotiation choose
};

struct CaptureFormat {
  uint32_t fourcc;
  uint32_t width;
  uint32_t height;
  double fps;
  uint32_t bytes_per_line;
  uint32_t buffers;
  std::string card;
  std::string driver;
  YuvMatrix matrix;
  YuvRange range;
};

struct FrameResult {
  bool ok = false;
  double timestamp_ms = 0;  // CLOCK_MONOTONIC milliseconds, the kernel's capture time
  uint32_t sequence = 0;
  std::string code;  // on failure: ENODEV, EIO, ...
  std::string message;
};

struct CaptureStats {
  uint64_t captured = 0;   // buffers dequeued with a usable frame
  uint64_t delivered = 0;  // frames handed to a request
  uint64_t dropped = 0;    // decoded frames replaced before anyone asked for them
  uint64_t corrupt = 0;    // frames the decoder rejected (damaged MJPEG, short buffers)
};

class CaptureDevice {
 public:
  // Called on the capture thread when a pending request completes (with a frame or a fault).
  using Completion = std::function<void(const FrameResult&)>;

  explicit CaptureDevice(std::shared_ptr<Syscalls> sys);
  ~CaptureDevice();
  CaptureDevice(const CaptureDevice&) = delete;
  CaptureDevice& operator=(const CaptureDevice&) = delete;

  // Opens `path`, negotiates, starts streaming and the capture thread. Throws DeviceError
  // (ENOENT, EACCES, EBUSY, ENOTCAPTURE, EUNSUPPORTED, ...). Must not be open already.
  CaptureFormat Open(const std::string& path, const CaptureRequest& request, Completion on_complete);

  // Asks for the next frame, decoded into `target` (width*height*4 bytes, valid until the
  // completion). Returns false and fills `error` when it fails at once: not open, a device
  // fault already seen, or another request still pending.
  bool RequestFrame(uint8_t* target, FrameResult* error);

  // Stops the thread and releases the device; returns true if a request was still pending
  // (the caller fails it: the completion is not called for it).
  bool Close();

  bool is_open() const { return fd_ >= 0; }
  CaptureStats stats() const;

 private:
  struct MappedBuffer {
    void* data;
    size_t length;
  };

  void Loop();
  bool DequeueOne();  // false on a device fault (already reported)
  void ServeLatest();
  void Fault(const DeviceError& error);
  void Teardown();

  std::shared_ptr<Syscalls> sys_;
  std::string path_;
  int fd_ = -1;
  int wake_fd_ = -1;
  CaptureFormat format_{};
  std::vector<MappedBuffer> buffers_;
  bool streaming_ = false;
  Completion on_complete_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // Shared between the JS thread and the capture thread.
  mutable std::mutex mutex_;
  uint8_t* pending_ = nullptr;
  bool faulted_ = false;
  FrameResult fault_;
  CaptureStats stats_;

  // Capture thread only.
  std::unique_ptr<FrameDecoder> decoder_;
  std::vector<uint8_t> latest_;
  bool latest_fresh_ = false;
  FrameResult latest_result_;
};

}  // namespace facemat
