#include "js_conversions.h"

#include <cmath>
#include <memory>

#include "convert.h"
#include "guided_upsample.h"
#include "jpeg.h"
#include "js_args.h"
#include "resize.h"

namespace facemat {
namespace {

struct Frame {
  Bytes src;
  int width;
  int height;
  Bytes dst;
  const YuvCoefficients* coefficients;
};

enum class Layout { kRgba, kYuyv, kPlanar420 };

size_t LayoutBytes(Layout layout, int width, int height) {
  switch (layout) {
    case Layout::kRgba: return size_t(width) * height * 4;
    case Layout::kYuyv: return YuyvBytes(width, height);
    case Layout::kPlanar420: return I420Bytes(width, height);
  }
  return 0;
}

// (src, width, height, dst, matrix?) with both buffer sizes checked.
Frame FrameArgs(const Napi::CallbackInfo& info, const char* fn, Layout from, Layout to) {
  Frame frame;
  frame.src = ArgBytes(info, 0, fn, "src");
  frame.width = ArgDimension(info, 1, fn, "width");
  frame.height = ArgDimension(info, 2, fn, "height");
  frame.dst = ArgBytes(info, 3, fn, "dst");
  frame.coefficients = &Coefficients(ArgMatrix(info, 4, fn), YuvRange::kLimited);
  if ((from == Layout::kYuyv || to == Layout::kYuyv) && (frame.width & 1)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": YUYV needs an even width, got " +
                                                std::to_string(frame.width));
  }
  const std::string size = std::to_string(frame.width) + "x" + std::to_string(frame.height);
  RequireLength(info.Env(), frame.src, LayoutBytes(from, frame.width, frame.height), fn, "src", size + " input");
  RequireLength(info.Env(), frame.dst, LayoutBytes(to, frame.width, frame.height), fn, "dst", size + " output");
  return frame;
}

Napi::Value RgbaToYuyvJs(const Napi::CallbackInfo& info) {
  const Frame f = FrameArgs(info, "rgbaToYuyv", Layout::kRgba, Layout::kYuyv);
  RgbaToYuyv(f.src.data, size_t(f.width) * 4, f.width, f.height, f.dst.data, size_t(f.width) * 2, *f.coefficients);
  return info.Env().Undefined();
}

Napi::Value RgbaToI420Js(const Napi::CallbackInfo& info) {
  const Frame f = FrameArgs(info, "rgbaToI420", Layout::kRgba, Layout::kPlanar420);
  const size_t chroma_width = size_t(f.width + 1) / 2;
  uint8_t* u = f.dst.data + size_t(f.width) * f.height;
  uint8_t* v = u + chroma_width * ((f.height + 1) / 2);
  RgbaToI420(f.src.data, size_t(f.width) * 4, f.width, f.height, f.dst.data, f.width, u, chroma_width, v,
             chroma_width, *f.coefficients);
  return info.Env().Undefined();
}

Napi::Value YuyvToRgbaJs(const Napi::CallbackInfo& info) {
  const Frame f = FrameArgs(info, "yuyvToRgba", Layout::kYuyv, Layout::kRgba);
  YuyvToRgba(f.src.data, size_t(f.width) * 2, f.width, f.height, f.dst.data, size_t(f.width) * 4, *f.coefficients);
  return info.Env().Undefined();
}

Napi::Value Nv12ToRgbaJs(const Napi::CallbackInfo& info) {
  const Frame f = FrameArgs(info, "nv12ToRgba", Layout::kPlanar420, Layout::kRgba);
  // NV12's interleaved chroma rows are as wide in bytes as two half-width planes.
  const size_t chroma_stride = 2 * size_t((f.width + 1) / 2);
  Nv12ToRgba(f.src.data, f.width, f.src.data + size_t(f.width) * f.height, chroma_stride, f.width, f.height,
             f.dst.data, size_t(f.width) * 4, *f.coefficients);
  return info.Env().Undefined();
}

Napi::Value I420ToRgbaJs(const Napi::CallbackInfo& info) {
  const Frame f = FrameArgs(info, "i420ToRgba", Layout::kPlanar420, Layout::kRgba);
  const size_t chroma_width = size_t(f.width + 1) / 2;
  const uint8_t* u = f.src.data + size_t(f.width) * f.height;
  const uint8_t* v = u + chroma_width * ((f.height + 1) / 2);
  I420ToRgba(f.src.data, f.width, u, chroma_width, v, chroma_width, f.width, f.height, f.dst.data,
             size_t(f.width) * 4, *f.coefficients);
  return info.Env().Undefined();
}

// One decoder and one encoder per JS thread (main thread or worker), made on first use.
JpegDecoder& ThreadDecoder() {
  thread_local std::unique_ptr<JpegDecoder> decoder;
  if (!decoder) decoder = std::make_unique<JpegDecoder>();
  return *decoder;
}

JpegEncoder& ThreadEncoder() {
  thread_local std::unique_ptr<JpegEncoder> encoder;
  if (!encoder) encoder = std::make_unique<JpegEncoder>();
  return *encoder;
}

Napi::Object SizeObject(Napi::Env env, int width, int height) {
  Napi::Object size = Napi::Object::New(env);
  size.Set("width", width);
  size.Set("height", height);
  return size;
}

Napi::Value JpegSizeJs(const Napi::CallbackInfo& info) {
  const Bytes jpeg = ArgBytes(info, 0, "jpegSize", "jpeg");
  int width = 0, height = 0;
  try {
    ThreadDecoder().Size(jpeg.data, jpeg.length, &width, &height);
  } catch (const JpegError& error) {
    throw CodedError(info.Env(), "EJPEG", std::string("jpegSize: ") + error.what());
  }
  return SizeObject(info.Env(), width, height);
}

Napi::Value DecodeJpegJs(const Napi::CallbackInfo& info) {
  const Bytes jpeg = ArgBytes(info, 0, "decodeJpeg", "jpeg");
  const Bytes dst = ArgBytes(info, 1, "decodeJpeg", "dst");
  int width = 0, height = 0;
  try {
    JpegDecoder& decoder = ThreadDecoder();
    decoder.Size(jpeg.data, jpeg.length, &width, &height);
    RequireLength(info.Env(), dst, size_t(width) * height * 4, "decodeJpeg", "dst",
                  "the " + std::to_string(width) + "x" + std::to_string(height) + " RGBA image");
    decoder.DecodeRgba(jpeg.data, jpeg.length, dst.data, width, height, true);
  } catch (const JpegError& error) {
    throw CodedError(info.Env(), "EJPEG", std::string("decodeJpeg: ") + error.what());
  }
  return SizeObject(info.Env(), width, height);
}

Napi::Value EncodeJpegJs(const Napi::CallbackInfo& info) {
  const Bytes rgba = ArgBytes(info, 0, "encodeJpeg", "rgba");
  const int width = ArgDimension(info, 1, "encodeJpeg", "width");
  const int height = ArgDimension(info, 2, "encodeJpeg", "height");
  const int quality = ArgDimension(info, 3, "encodeJpeg", "quality", 100);
  RequireLength(info.Env(), rgba, size_t(width) * height * 4, "encodeJpeg", "rgba",
                std::to_string(width) + "x" + std::to_string(height) + " RGBA");
  size_t size = 0;
  unsigned char* out;
  try {
    out = ThreadEncoder().EncodeRgba(rgba.data, width, height, quality, &size);
  } catch (const JpegError& error) {
    throw CodedError(info.Env(), "EJPEG", std::string("encodeJpeg: ") + error.what());
  }
  // The Buffer owns libjpeg-turbo's allocation: no copy.
  return Napi::Buffer<unsigned char>::New(info.Env(), out, size,
                                          [](Napi::Env, unsigned char* data) { JpegEncoder::Free(data); });
}

void ReadTriple(const Napi::CallbackInfo& info, size_t index, const char* name, float out[3]) {
  const Napi::Value value = info[index];
  if (!value.IsArray() && !value.IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string("resizeToTensor: ") + name + " must be [r, g, b]");
  }
  const Napi::Object array = value.As<Napi::Object>();
  for (uint32_t i = 0; i < 3; ++i) {
    const Napi::Value item = array.Get(i);
    if (!item.IsNumber()) {
      throw Napi::TypeError::New(info.Env(), std::string("resizeToTensor: ") + name + " must be [r, g, b] numbers");
    }
    out[i] = item.As<Napi::Number>().FloatValue();
  }
}

Napi::Value ResizeToTensorJs(const Napi::CallbackInfo& info) {
  const char* fn = "resizeToTensor";
  const Bytes src = ArgBytes(info, 0, fn, "src");
  const int width = ArgDimension(info, 1, fn, "width");
  const int height = ArgDimension(info, 2, fn, "height");
  const Roi roi = ArgRoi(info, 3, fn);
  size_t dst_length = 0;
  float* dst = ArgFloats(info, 4, fn, "dst", &dst_length);
  const int dst_width = ArgDimension(info, 5, fn, "dstWidth", 8192);
  const int dst_height = ArgDimension(info, 6, fn, "dstHeight", 8192);
  TensorNormalisation norm;
  ReadTriple(info, 7, "mean", norm.mean);
  ReadTriple(info, 8, "std", norm.std);
  norm.scale = float(ArgNumber(info, 9, fn, "scale"));
  if (norm.scale == 0 || norm.std[0] == 0 || norm.std[1] == 0 || norm.std[2] == 0) {
    throw Napi::RangeError::New(info.Env(), "resizeToTensor: scale and std must be non-zero");
  }
  RequireLength(info.Env(), src, size_t(width) * height * 4, fn, "src",
                std::to_string(width) + "x" + std::to_string(height) + " RGBA");
  const size_t needed = size_t(3) * dst_width * dst_height;
  if (dst_length < needed) {
    throw Napi::RangeError::New(info.Env(), "resizeToTensor: dst holds " + std::to_string(dst_length) +
                                                " floats, 3x" + std::to_string(dst_height) + "x" +
                                                std::to_string(dst_width) + " needs " + std::to_string(needed));
  }
  ResizeToTensor(src.data, width, height, roi, dst, dst_width, dst_height, norm);
  return info.Env().Undefined();
}

// (alpha, alphaWidth, alphaHeight, roi, rgba, width, height, dst, radius, eps): dst a
// Float32Array for alpha in [0, 1] or a Uint8Array for 8-bit gray, width*height values.
Napi::Value GuidedUpsampleJs(const Napi::CallbackInfo& info) {
  const char* fn = "guidedUpsample";
  size_t alpha_length = 0;
  const float* alpha = ArgFloats(info, 0, fn, "alpha", &alpha_length);
  const int alpha_width = ArgDimension(info, 1, fn, "alphaWidth", 8192);
  const int alpha_height = ArgDimension(info, 2, fn, "alphaHeight", 8192);
  const Roi roi = ArgRoi(info, 3, fn);
  const Bytes rgba = ArgBytes(info, 4, fn, "rgba");
  const int width = ArgDimension(info, 5, fn, "width");
  const int height = ArgDimension(info, 6, fn, "height");
  const Napi::Value dst = info[7];
  const bool gray = dst.IsTypedArray() && (dst.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array ||
                                           dst.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_clamped_array);
  if (!gray && !(dst.IsTypedArray() && dst.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)) {
    throw Napi::TypeError::New(info.Env(), "guidedUpsample: dst must be a Float32Array (alpha) or a Uint8Array (gray)");
  }
  GuidedFilter filter;
  const double radius = ArgNumber(info, 8, fn, "radius");
  if (radius < 0 || radius > 1024 || std::floor(radius) != radius) {
    throw Napi::RangeError::New(info.Env(), "guidedUpsample: radius must be an integer from 0 to 1024, got " +
                                                info[8].ToString().Utf8Value());
  }
  filter.radius = int(radius);
  filter.eps = ArgNumber(info, 9, fn, "eps");
  if (!(filter.eps > 0)) {
    throw Napi::RangeError::New(info.Env(), "guidedUpsample: eps must be positive, got " + info[9].ToString().Utf8Value());
  }
  const size_t alpha_needed = size_t(alpha_width) * alpha_height;
  if (alpha_length < alpha_needed) {
    throw Napi::RangeError::New(info.Env(), "guidedUpsample: alpha holds " + std::to_string(alpha_length) + " floats, " +
                                                std::to_string(alpha_width) + "x" + std::to_string(alpha_height) +
                                                " needs " + std::to_string(alpha_needed));
  }
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  RequireLength(info.Env(), rgba, size_t(width) * height * 4, fn, "rgba", size + " RGBA");
  const size_t pixels = size_t(width) * height;
  if (gray) {
    const Bytes out = ArgBytes(info, 7, fn, "dst");
    RequireLength(info.Env(), out, pixels, fn, "dst", size + " gray");
    GuidedUpsample(alpha, alpha_width, alpha_height, roi, rgba.data, width, height, filter, out.data);
  } else {
    size_t dst_length = 0;
    float* out = ArgFloats(info, 7, fn, "dst", &dst_length);
    if (dst_length < pixels) {
      throw Napi::RangeError::New(info.Env(), "guidedUpsample: dst holds " + std::to_string(dst_length) + " floats, " +
                                                  size + " alpha needs " + std::to_string(pixels));
    }
    GuidedUpsample(alpha, alpha_width, alpha_height, roi, rgba.data, width, height, filter, out);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterConversions(Napi::Env env, Napi::Object exports) {
  exports.Set("rgbaToYuyv", Napi::Function::New(env, RgbaToYuyvJs, "rgbaToYuyv"));
  exports.Set("rgbaToI420", Napi::Function::New(env, RgbaToI420Js, "rgbaToI420"));
  exports.Set("yuyvToRgba", Napi::Function::New(env, YuyvToRgbaJs, "yuyvToRgba"));
  exports.Set("nv12ToRgba", Napi::Function::New(env, Nv12ToRgbaJs, "nv12ToRgba"));
  exports.Set("i420ToRgba", Napi::Function::New(env, I420ToRgbaJs, "i420ToRgba"));
  exports.Set("jpegSize", Napi::Function::New(env, JpegSizeJs, "jpegSize"));
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpegJs, "decodeJpeg"));
  exports.Set("encodeJpeg", Napi::Function::New(env, EncodeJpegJs, "encodeJpeg"));
  exports.Set("resizeToTensor", Napi::Function::New(env, ResizeToTensorJs, "resizeToTensor"));
  exports.Set("guidedUpsample", Napi::Function::New(env, GuidedUpsampleJs, "guidedUpsample"));
}

}  // namespace facemat
