// JS entry points for the pixel conversions, JPEG, the model-input resize and the guided matte
// upsampling. All run on the calling thread and write into caller-provided buffers (encodeJpeg
// alone returns a new Buffer).
#pragma once

#include <napi.h>

namespace facemat {

void RegisterConversions(Napi::Env env, Napi::Object exports);

}  // namespace facemat
