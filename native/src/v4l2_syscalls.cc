#include "v4l2_syscalls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace facemat {
namespace {

class KernelSyscalls final : public Syscalls {
 public:
  int Open(const char* path, int flags) override { return ::open(path, flags | O_CLOEXEC); }
  int Close(int fd) override { return ::close(fd); }
  int Ioctl(int fd, unsigned long request, void* arg) override { return ::ioctl(fd, request, arg); }
  void* Mmap(size_t length, int prot, int flags, int fd, off_t offset) override {
    return ::mmap(nullptr, length, prot, flags, fd, offset);
  }
  int Munmap(void* addr, size_t length) override { return ::munmap(addr, length); }
  int Poll(struct pollfd* fds, nfds_t count, int timeout_ms) override { return ::poll(fds, count, timeout_ms); }
  ssize_t Read(int fd, void* buffer, size_t length) override { return ::read(fd, buffer, length); }
  ssize_t Write(int fd, const void* buffer, size_t length) override { return ::write(fd, buffer, length); }
  int EventFd() override { return ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
  int InotifyInit() override { return ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
  int InotifyAddWatch(int fd, const char* path, uint32_t mask) override {
    return ::inotify_add_watch(fd, path, mask);
  }

  std::vector<std::string> VideoNodes() override {
    std::vector<std::pair<long, std::string>> found;
    DIR* dir = ::opendir("/dev");
    if (dir == nullptr) return {};
    while (struct dirent* entry = ::readdir(dir)) {
      const char* name = entry->d_name;
      if (std::strncmp(name, "video", 5) != 0 || name[5] == '\0') continue;
      char* end = nullptr;
      long number = std::strtol(name + 5, &end, 10);
      if (*end != '\0') continue;
      found.emplace_back(number, std::string("/dev/") + name);
    }
    ::closedir(dir);
    std::sort(found.begin(), found.end());
    std::vector<std::string> nodes;
    for (auto& entry : found) nodes.push_back(std::move(entry.second));
    return nodes;
  }

  int CountOpeners(const char* path) override {
    struct stat node;
    if (::stat(path, &node) != 0 || !S_ISCHR(node.st_mode)) return -1;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return -1;
    int count = 0;
    while (struct dirent* entry = ::readdir(proc)) {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
      const std::string fd_dir = std::string("/proc/") + entry->d_name + "/fd";
      DIR* fds = ::opendir(fd_dir.c_str());
      if (fds == nullptr) continue;  // gone, or another user's process
      while (struct dirent* fd = ::readdir(fds)) {
        if (fd->d_name[0] == '.') continue;
        struct stat target;
        const std::string link = fd_dir + "/" + fd->d_name;
        if (::stat(link.c_str(), &target) == 0 && S_ISCHR(target.st_mode) && target.st_rdev == node.st_rdev) ++count;
      }
      ::closedir(fds);
    }
    ::closedir(proc);
    return count;
  }
};

std::mutex default_mutex;

// Deliberately leaked: capture threads may still hold it while static destructors run at exit.
std::shared_ptr<Syscalls>& DefaultSlot() {
  static auto* slot = new std::shared_ptr<Syscalls>(RealSyscalls());
  return *slot;
}

}  // namespace

std::shared_ptr<Syscalls> RealSyscalls() {
  static auto* real = new std::shared_ptr<Syscalls>(std::make_shared<KernelSyscalls>());
  return *real;
}

std::shared_ptr<Syscalls> DefaultSyscalls() {
  std::lock_guard<std::mutex> lock(default_mutex);
  return DefaultSlot();
}

void SetDefaultSyscalls(std::shared_ptr<Syscalls> syscalls) {
  std::lock_guard<std::mutex> lock(default_mutex);
  DefaultSlot() = std::move(syscalls);
}

int XIoctl(Syscalls& sys, int fd, unsigned long request, void* arg) {
  int result;
  do {
    result = sys.Ioctl(fd, request, arg);
  } while (result == -1 && errno == EINTR);
  return result;
}

}  // namespace facemat
