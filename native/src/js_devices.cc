#include "js_devices.h"

#include <linux/videodev2.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "device_list.h"
#include "v4l2_syscalls.h"

namespace facemat {
namespace {

Napi::Array CapsArray(Napi::Env env, uint32_t caps) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {V4L2_CAP_VIDEO_CAPTURE, "video-capture"},
      {V4L2_CAP_VIDEO_CAPTURE_MPLANE, "video-capture-mplane"},
      {V4L2_CAP_VIDEO_OUTPUT, "video-output"},
      {V4L2_CAP_VIDEO_OUTPUT_MPLANE, "video-output-mplane"},
      {V4L2_CAP_VIDEO_M2M, "video-m2m"},
      {V4L2_CAP_META_CAPTURE, "metadata-capture"},
      {V4L2_CAP_READWRITE, "readwrite"},
      {V4L2_CAP_STREAMING, "streaming"},
  };
  Napi::Array array = Napi::Array::New(env);
  uint32_t index = 0;
  for (const auto& [bit, name] : kNames) {
    if (caps & bit) array.Set(index++, name);
  }
  return array;
}

Napi::Object SizeObject(Napi::Env env, const FrameSize& size) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("width", size.width);
  object.Set("height", size.height);
  std::vector<double> rates;
  for (const FrameInterval& interval : size.intervals) rates.push_back(interval.fps());
  if (size.interval_range && rates.size() == 2) {
    Napi::Array range = Napi::Array::New(env, 2);
    range.Set(0u, std::min(rates[0], rates[1]));
    range.Set(1u, std::max(rates[0], rates[1]));
    object.Set("fpsRange", range);
  }
  std::sort(rates.begin(), rates.end(), std::greater<double>());
  Napi::Array fps = Napi::Array::New(env, rates.size());
  for (size_t i = 0; i < rates.size(); ++i) fps.Set(uint32_t(i), std::round(rates[i] * 100) / 100);
  object.Set("fps", fps);
  return object;
}

Napi::Object DeviceObject(Napi::Env env, const DeviceInfo& device) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("path", device.path);
  object.Set("card", device.card);
  object.Set("driver", device.driver);
  object.Set("bus", device.bus);
  object.Set("caps", CapsArray(env, device.caps));
  Napi::Array formats = Napi::Array::New(env, device.formats.size());
  for (size_t i = 0; i < device.formats.size(); ++i) {
    const PixelFormatInfo& format = device.formats[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("fourcc", FourccName(format.fourcc));
    entry.Set("description", format.description);
    entry.Set("compressed", format.compressed);
    Napi::Array sizes = Napi::Array::New(env, format.sizes.size());
    for (size_t s = 0; s < format.sizes.size(); ++s) sizes.Set(uint32_t(s), SizeObject(env, format.sizes[s]));
    entry.Set("sizes", sizes);
    if (format.size_range) {
      Napi::Object range = Napi::Object::New(env);
      range.Set("minWidth", format.min_width);
      range.Set("maxWidth", format.max_width);
      range.Set("stepWidth", format.step_width);
      range.Set("minHeight", format.min_height);
      range.Set("maxHeight", format.max_height);
      range.Set("stepHeight", format.step_height);
      entry.Set("sizeRange", range);
    }
    formats.Set(uint32_t(i), entry);
  }
  object.Set("formats", formats);
  if (!device.error.empty()) object.Set("error", device.error);
  return object;
}

Napi::Value ListDevicesJs(const Napi::CallbackInfo& info) {
  const std::vector<DeviceInfo> devices = ListDevices(*DefaultSyscalls());
  Napi::Array array = Napi::Array::New(info.Env(), devices.size());
  for (size_t i = 0; i < devices.size(); ++i) array.Set(uint32_t(i), DeviceObject(info.Env(), devices[i]));
  return array;
}

Napi::Value DescribeDeviceJs(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "describeDevice: path must be a string");
  return DeviceObject(info.Env(), DescribeDevice(*DefaultSyscalls(), info[0].As<Napi::String>().Utf8Value()));
}

}  // namespace

void RegisterDevices(Napi::Env env, Napi::Object exports) {
  exports.Set("listDevices", Napi::Function::New(env, ListDevicesJs, "listDevices"));
  exports.Set("describeDevice", Napi::Function::New(env, DescribeDeviceJs, "describeDevice"));
}

}  // namespace facemat
