// Argument checking shared by every JS entry point: each bad argument becomes a TypeError or
// RangeError naming the function, the argument and what was expected, never a crash.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "convert.h"
#include "device_error.h"
#include "resize.h"

namespace facemat {

struct Bytes {
  uint8_t* data;
  size_t length;
};

// A Uint8Array (or Buffer) argument.
Bytes ArgBytes(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name);

// A Float32Array argument.
float* ArgFloats(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, size_t* length);

// A positive integer no larger than `max`.
int ArgDimension(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, int max = 16384);

// A finite number.
double ArgNumber(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name);

// {x, y, width, height}: finite numbers, width and height positive (x and y default to 0).
Roi ArgRoi(const Napi::CallbackInfo& info, size_t index, const char* fn);

// 'bt601' (also when undefined) or 'bt709'.
YuvMatrix ArgMatrix(const Napi::CallbackInfo& info, size_t index, const char* fn);

// Throws a RangeError unless the buffer holds `needed` bytes.
void RequireLength(Napi::Env env, const Bytes& bytes, size_t needed, const char* fn, const char* name,
                   const std::string& what);

// An Error with a `code` property, for rejections and throws.
Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message);
inline Napi::Error CodedError(Napi::Env env, const DeviceError& error) {
  return CodedError(env, error.code(), error.what());
}

// Number property of an options object, or `fallback` when absent.
double OptionNumber(const Napi::Object& options, const char* key, const char* fn, double fallback);

}  // namespace facemat
