// listDevices() and describeDevice(path) for JS: plain objects, synchronous (each node is
// opened, queried and closed at once; used at start-up and by `facemat devices`).
#pragma once

#include <napi.h>

namespace facemat {

void RegisterDevices(Napi::Env env, Napi::Object exports);

}  // namespace facemat
