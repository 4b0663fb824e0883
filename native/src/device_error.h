// A failure of a video device, with a stable code the TypeScript side maps to its own errors
// (an errno name such as "ENODEV", or one of ours: "ENOTCAPTURE", "ENOTOUTPUT", "EUNSUPPORTED",
// "ECLOSED", "EBADFRAME").
#pragma once

#include <stdexcept>
#include <string>

namespace facemat {

class DeviceError : public std::runtime_error {
 public:
  DeviceError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// "ENODEV" for ENODEV, and so on; "E<number>" for the ones we never expect.
std::string ErrnoName(int err);

// A DeviceError for a failed system call: "<what> on <path>: <strerror> (<ERRNO>)", with a hint
// for the errors a user can fix (permissions, a busy device, an unplugged camera).
DeviceError SystemError(int err, const std::string& what, const std::string& path);

}  // namespace facemat
