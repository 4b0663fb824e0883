#include "device_error.h"

#include <errno.h>

#include <cstring>

namespace facemat {

std::string ErrnoName(int err) {
  switch (err) {
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case ENXIO: return "ENXIO";
    case EIO: return "EIO";
    case EBUSY: return "EBUSY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EBADF: return "EBADF";
    case EFAULT: return "EFAULT";
    default: return "E" + std::to_string(err);
  }
}

DeviceError SystemError(int err, const std::string& what, const std::string& path) {
  std::string message = what + " on " + path + ": " + std::strerror(err) + " (" + ErrnoName(err) + ")";
  switch (err) {
    case EACCES:
    case EPERM:
      message += "; add your user to the 'video' group (sudo usermod -aG video $USER) and log in again";
      break;
    case EBUSY:
      message += "; another program is using the device, close it and try again";
      break;
    case ENODEV:
    case ENXIO:
    case EIO:
      message += "; the device was unplugged or stopped responding";
      break;
    case ENOENT:
      message += "; the device does not exist (run `facemat devices`)";
      break;
    default:
      break;
  }
  return DeviceError(ErrnoName(err), message);
}

}  // namespace facemat
