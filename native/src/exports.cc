#include "exports.h"

#include "js_capture_device.h"
#include "js_conversions.h"
#include "js_devices.h"
#include "js_loopback_writer.h"

namespace facemat {

Napi::Object RegisterExports(Napi::Env env, Napi::Object exports) {
  RegisterConversions(env, exports);
  RegisterDevices(env, exports);
  exports.Set("CaptureDevice", JsCaptureDevice::Define(env));
  exports.Set("LoopbackWriter", JsLoopbackWriter::Define(env));
  return exports;
}

}  // namespace facemat
