// JPEG through libjpeg-turbo's TurboJPEG API: MJPEG webcam frames and the MJPEG preview stream.
// A handle is not thread-safe; each thread (the JS thread, each capture thread) owns its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace facemat {

class JpegError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JpegDecoder {
 public:
  JpegDecoder();
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Reads the dimensions; throws JpegError when the data is not a JPEG.
  void Size(const uint8_t* data, size_t length, int* width, int* height);

  // Decodes to tightly packed RGBA into dst (at least width*height*4 bytes, checked by the
  // caller with Size). With `strict`, libjpeg warnings (truncated or damaged data) fail too;
  // capture passes false so one damaged USB frame still shows.
  void DecodeRgba(const uint8_t* data, size_t length, uint8_t* dst, int width, int height, bool strict);

 private:
  void* handle_;
};

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Encodes RGBA (4:2:0). Returns a buffer to release with JpegEncoder::Free.
  unsigned char* EncodeRgba(const uint8_t* rgba, int width, int height, int quality, size_t* size);
  static void Free(unsigned char* buffer);

 private:
  void* handle_;
};

}  // namespace facemat
