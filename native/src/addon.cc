// The facemat native addon: the real kernel behind every device call.
#include <napi.h>

#include "exports.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) { return facemat::RegisterExports(env, exports); }

}  // namespace

NODE_API_MODULE(facemat_native, Init)
