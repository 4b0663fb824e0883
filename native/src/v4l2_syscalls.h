// The one seam between the addon and the kernel. Everything that talks to a video node goes
// through a Syscalls object, so the tests can swap in a double of V4L2 and v4l2loopback
// (native/test/fake_kernel.cc) and exercise the real capture and output logic without hardware.
// Every method behaves like the libc call it names: -1 (or MAP_FAILED) with errno set on failure.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace facemat {

class Syscalls {
 public:
  virtual ~Syscalls() = default;

  virtual int Open(const char* path, int flags) = 0;
  virtual int Close(int fd) = 0;
  virtual int Ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual void* Mmap(size_t length, int prot, int flags, int fd, off_t offset) = 0;
  virtual int Munmap(void* addr, size_t length) = 0;
  virtual int Poll(struct pollfd* fds, nfds_t count, int timeout_ms) = 0;
  virtual ssize_t Read(int fd, void* buffer, size_t length) = 0;
  virtual ssize_t Write(int fd, const void* buffer, size_t length) = 0;

  // A non-blocking eventfd: threads blocked in Poll are woken by writing to it.
  virtual int EventFd() = 0;
  // A non-blocking inotify instance and a watch on one path (reader detection fallback).
  virtual int InotifyInit() = 0;
  virtual int InotifyAddWatch(int fd, const char* path, uint32_t mask) = 0;
  // The /dev/videoN nodes that exist, in numeric order.
  virtual std::vector<std::string> VideoNodes() = 0;
  // Open descriptors on the character device at `path`, in every process this one may inspect,
  // its own included; -1 when that cannot be known. (Reader detection's recount: inotify merges
  // identical events still queued, so counting OPEN and CLOSE events alone drifts.)
  virtual int CountOpeners(const char* path) = 0;
};

// The real kernel.
std::shared_ptr<Syscalls> RealSyscalls();

// What new devices use; the test addon installs its kernel double here before anything opens.
std::shared_ptr<Syscalls> DefaultSyscalls();
void SetDefaultSyscalls(std::shared_ptr<Syscalls> syscalls);

// ioctl that retries on EINTR, as every V4L2 program must.
int XIoctl(Syscalls& sys, int fd, unsigned long request, void* arg);

}  // namespace facemat
