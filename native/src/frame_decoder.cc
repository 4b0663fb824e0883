#include "frame_decoder.h"

#include <linux/videodev2.h>

namespace facemat {

FrameDecoder::FrameDecoder(uint32_t fourcc, int width, int height, uint32_t bytes_per_line, YuvMatrix matrix,
                           YuvRange range)
    : fourcc_(fourcc),
      width_(width),
      height_(height),
      bytes_per_line_(bytes_per_line),
      coefficients_(Coefficients(matrix, range)) {}

bool FrameDecoder::Decode(const uint8_t* data, size_t bytes_used, uint8_t* rgba, std::string* why) {
  const size_t out_stride = size_t(width_) * 4;
  switch (fourcc_) {
    case V4L2_PIX_FMT_MJPEG:
    case V4L2_PIX_FMT_JPEG: {
      try {
        int width = 0, height = 0;
        jpeg_.Size(data, bytes_used, &width, &height);
        if (width != width_ || height != height_) {
          *why = "MJPEG frame is " + std::to_string(width) + "x" + std::to_string(height) + ", expected " +
                 std::to_string(width_) + "x" + std::to_string(height_);
          return false;
        }
        jpeg_.DecodeRgba(data, bytes_used, rgba, width_, height_, false);
        return true;
      } catch (const JpegError& error) {
        *why = error.what();
        return false;
      }
    }
    case V4L2_PIX_FMT_YUYV: {
      const size_t stride = bytes_per_line_ ? bytes_per_line_ : size_t(width_) * 2;
      if (bytes_used < stride * (height_ - 1) + size_t(width_) * 2) break;
      YuyvToRgba(data, stride, width_, height_, rgba, out_stride, coefficients_);
      return true;
    }
    case V4L2_PIX_FMT_NV12: {
      const size_t stride = bytes_per_line_ ? bytes_per_line_ : size_t(width_);
      const size_t luma = stride * height_;
      if (bytes_used < luma + stride * ((height_ + 1) / 2 - 1) + 2 * size_t((width_ + 1) / 2)) break;
      Nv12ToRgba(data, stride, data + luma, stride, width_, height_, rgba, out_stride, coefficients_);
      return true;
    }
    case V4L2_PIX_FMT_YUV420: {
      const size_t stride = bytes_per_line_ ? bytes_per_line_ : size_t(width_);
      const size_t chroma_stride = (stride + 1) / 2;
      const size_t luma = stride * height_;
      const size_t chroma = chroma_stride * ((height_ + 1) / 2);
      if (bytes_used < luma + 2 * chroma) break;
      I420ToRgba(data, stride, data + luma, chroma_stride, data + luma + chroma, chroma_stride, width_, height_, rgba,
                 out_stride, coefficients_);
      return true;
    }
    default:
      *why = "unsupported pixel format";
      return false;
  }
  *why = "short frame (" + std::to_string(bytes_used) + " bytes)";
  return false;
}

}  // namespace facemat
