#include "worker_wake.h"

#include <cstdint>

namespace facemat {

void WakeWorker(Syscalls& sys, int wake_fd) {
  const uint64_t one = 1;
  sys.Write(wake_fd, &one, sizeof(one));
}

void ClearWake(Syscalls& sys, int wake_fd) {
  uint64_t count;
  sys.Read(wake_fd, &count, sizeof(count));
}

void StopWorker(Syscalls& sys, int wake_fd, std::atomic<bool>& stop, std::thread& thread) {
  if (!thread.joinable()) return;
  stop = true;
  WakeWorker(sys, wake_fd);
  thread.join();
}

}  // namespace facemat
