#include "js_args.h"

#include <cmath>

namespace facemat {
namespace {

[[noreturn]] void ThrowType(Napi::Env env, const char* fn, const std::string& message) {
  throw Napi::TypeError::New(env, std::string(fn) + ": " + message);
}

}  // namespace

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray()) ThrowType(info.Env(), fn, std::string(name) + " must be a Uint8Array");
  const Napi::TypedArray array = value.As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array && array.TypedArrayType() != napi_uint8_clamped_array) {
    ThrowType(info.Env(), fn, std::string(name) + " must be a Uint8Array");
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  return {bytes.Data(), bytes.ByteLength()};
}

float* ArgFloats(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, size_t* length) {
  const Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowType(info.Env(), fn, std::string(name) + " must be a Float32Array");
  }
  Napi::Float32Array floats = value.As<Napi::Float32Array>();
  *length = floats.ElementLength();
  return floats.Data();
}

int ArgDimension(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, int max) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowType(info.Env(), fn, std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= 1 && number <= max) || std::floor(number) != number) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + name + " must be an integer from 1 to " +
                                                std::to_string(max) + ", got " + value.ToString().Utf8Value());
  }
  return int(number);
}

double ArgNumber(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsNumber()) ThrowType(info.Env(), fn, std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": " + name + " must be finite");
  }
  return number;
}

Roi ArgRoi(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  if (!info[index].IsObject()) ThrowType(info.Env(), fn, "roi must be {x, y, width, height}");
  const Napi::Object object = info[index].As<Napi::Object>();
  Roi roi;
  roi.x = OptionNumber(object, "x", fn, 0);
  roi.y = OptionNumber(object, "y", fn, 0);
  roi.width = OptionNumber(object, "width", fn, -1);
  roi.height = OptionNumber(object, "height", fn, -1);
  if (!(roi.width > 0) || !(roi.height > 0)) {
    throw Napi::RangeError::New(info.Env(), std::string(fn) + ": roi.width and roi.height must be positive");
  }
  return roi;
}

YuvMatrix ArgMatrix(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  const Napi::Value value = info[index];
  if (value.IsUndefined()) return YuvMatrix::kBt601;
  if (value.IsString()) {
    const std::string name = value.As<Napi::String>().Utf8Value();
    if (name == "bt601") return YuvMatrix::kBt601;
    if (name == "bt709") return YuvMatrix::kBt709;
  }
  ThrowType(info.Env(), fn, "matrix must be 'bt601' or 'bt709'");
}

void RequireLength(Napi::Env env, const Bytes& bytes, size_t needed, const char* fn, const char* name,
                   const std::string& what) {
  if (bytes.length < needed) {
    throw Napi::RangeError::New(env, std::string(fn) + ": " + name + " holds " + std::to_string(bytes.length) +
                                         " bytes, " + what + " needs " + std::to_string(needed));
  }
}

Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

double OptionNumber(const Napi::Object& options, const char* key, const char* fn, double fallback) {
  const Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber() || !std::isfinite(value.As<Napi::Number>().DoubleValue())) {
    ThrowType(options.Env(), fn, std::string(key) + " must be a finite number");
  }
  return value.As<Napi::Number>().DoubleValue();
}

}  // namespace facemat
