// Everything the addon exports, shared by the real addon (addon.cc) and the test addon
// (native/test/test_addon.cc), which adds its kernel double on top.
#pragma once

#include <napi.h>

namespace facemat {

Napi::Object RegisterExports(Napi::Env env, Napi::Object exports);

}  // namespace facemat
