#include "jpeg.h"

#include <turbojpeg.h>

namespace facemat {
namespace {

std::string LastError(void* handle, const char* what) {
  return std::string(what) + ": " + tjGetErrorStr2(static_cast<tjhandle>(handle));
}

// After a failed call TurboJPEG leaves the libjpeg object mid-parse, and the next image is read
// as the continuation of the broken one ("Unsupported marker type"): each failure gets a fresh
// handle, so one damaged webcam frame cannot spoil the frames after it.
void Renew(void*& handle, tjhandle (*init)()) {
  tjDestroy(static_cast<tjhandle>(handle));
  handle = init();
}

}  // namespace

JpegDecoder::JpegDecoder() : handle_(tjInitDecompress()) {
  if (handle_ == nullptr) throw JpegError(std::string("cannot start the JPEG decoder: ") + tjGetErrorStr2(nullptr));
}

JpegDecoder::~JpegDecoder() { tjDestroy(static_cast<tjhandle>(handle_)); }

void JpegDecoder::Size(const uint8_t* data, size_t length, int* width, int* height) {
  int subsampling = 0;
  int colorspace = 0;
  if (handle_ == nullptr) throw JpegError("the JPEG decoder could not be restarted (out of memory)");
  if (length < 4 || data[0] != 0xFF || data[1] != 0xD8) throw JpegError("not a JPEG (no SOI marker)");
  if (tjDecompressHeader3(static_cast<tjhandle>(handle_), data, static_cast<unsigned long>(length), width, height,
                          &subsampling, &colorspace) != 0) {
    const std::string error = LastError(handle_, "corrupt JPEG header");
    Renew(handle_, tjInitDecompress);
    throw JpegError(error);
  }
}

void JpegDecoder::DecodeRgba(const uint8_t* data, size_t length, uint8_t* dst, int width, int height, bool strict) {
  if (handle_ == nullptr) throw JpegError("the JPEG decoder could not be restarted (out of memory)");
  const int flags = strict ? TJFLAG_STOPONWARNING : 0;
  if (tjDecompress2(static_cast<tjhandle>(handle_), data, static_cast<unsigned long>(length), dst, width, width * 4,
                    height, TJPF_RGBA, flags) != 0) {
    const bool warning = tjGetErrorCode(static_cast<tjhandle>(handle_)) == TJERR_WARNING;
    const std::string error = LastError(handle_, "corrupt JPEG data");
    Renew(handle_, tjInitDecompress);
    if (strict || !warning) throw JpegError(error);
  }
}

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {
  if (handle_ == nullptr) throw JpegError(std::string("cannot start the JPEG encoder: ") + tjGetErrorStr2(nullptr));
}

JpegEncoder::~JpegEncoder() { tjDestroy(static_cast<tjhandle>(handle_)); }

unsigned char* JpegEncoder::EncodeRgba(const uint8_t* rgba, int width, int height, int quality, size_t* size) {
  if (handle_ == nullptr) throw JpegError("the JPEG encoder could not be restarted (out of memory)");
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  if (tjCompress2(static_cast<tjhandle>(handle_), rgba, width, width * 4, height, TJPF_RGBA, &out, &out_size,
                  TJSAMP_420, quality, TJFLAG_FASTDCT) != 0) {
    tjFree(out);
    const std::string error = LastError(handle_, "JPEG encoding failed");
    Renew(handle_, tjInitCompress);
    throw JpegError(error);
  }
  *size = out_size;
  return out;
}

void JpegEncoder::Free(unsigned char* buffer) { tjFree(buffer); }

}  // namespace facemat
