// The capture device and the loopback writer each run one worker thread that sleeps in poll() on
// its device and an eventfd. The JS thread wakes it through that eventfd (a new request, or
// Close); these are the steps both share, so the two cannot drift apart.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "v4l2_syscalls.h"

namespace facemat {

// Makes the worker's poll() on `wake_fd` return.
void WakeWorker(Syscalls& sys, int wake_fd);

// Consumes the wake-ups posted so far, so the next poll() sleeps again (worker thread).
void ClearWake(Syscalls& sys, int wake_fd);

// Sets `stop`, wakes the worker and waits for it to finish; nothing when it is not running.
void StopWorker(Syscalls& sys, int wake_fd, std::atomic<bool>& stop, std::thread& thread);

// Clears the request the worker had not finished yet; true if there was one.
template <typename Request>
bool TakePending(std::mutex& mutex, Request*& pending) {
  std::lock_guard<std::mutex> lock(mutex);
  const bool had_pending = pending != nullptr;
  pending = nullptr;
  return had_pending;
}

}  // namespace facemat
