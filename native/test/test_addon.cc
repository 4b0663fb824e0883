// The test addon: the whole production addon (RegisterExports) running against FakeKernel,
// plus `fakeKernel`, the controls test/native/ uses to play the camera, the v4l2loopback
// driver and the programs reading from it.
#include <napi.h>

#include <memory>

#include "exports.h"
#include "fake_kernel.h"
#include "v4l2_formats.h"

namespace facemat::testing {
namespace {

FakeKernel& Kernel() {
  static auto* kernel = new FakeKernel();  // leaked on purpose, see KernelPointer
  return *kernel;
}

std::shared_ptr<Syscalls> KernelPointer() {
  // Aliasing pointer to the leaked kernel: never deleted, so threads may outlive static teardown.
  static auto* pointer = new std::shared_ptr<Syscalls>(std::shared_ptr<Syscalls>{}, &Kernel());
  return *pointer;
}

std::string Str(const Napi::Object& object, const char* key, const std::string& fallback) {
  const Napi::Value value = object.Get(key);
  return value.IsString() ? value.As<Napi::String>().Utf8Value() : fallback;
}

uint32_t Num(const Napi::Object& object, const char* key, uint32_t fallback) {
  const Napi::Value value = object.Get(key);
  return value.IsNumber() ? value.As<Napi::Number>().Uint32Value() : fallback;
}

uint32_t Fourcc(Napi::Env env, const std::string& name) {
  if (name.size() < 3 || name.size() > 4) throw Napi::TypeError::New(env, "fourcc must have 3 or 4 characters");
  const std::string padded = name + std::string(4 - name.size(), ' ');
  return v4l2_fourcc(padded[0], padded[1], padded[2], padded[3]);
}

uint32_t Caps(Napi::Env env, const Napi::Value& value) {
  if (!value.IsArray()) return V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
  const Napi::Array names = value.As<Napi::Array>();
  uint32_t caps = 0;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    if (name == "video-capture") caps |= V4L2_CAP_VIDEO_CAPTURE;
    else if (name == "video-output") caps |= V4L2_CAP_VIDEO_OUTPUT;
    else if (name == "metadata-capture") caps |= V4L2_CAP_META_CAPTURE;
    else if (name == "streaming") caps |= V4L2_CAP_STREAMING;
    else if (name == "readwrite") caps |= V4L2_CAP_READWRITE;
    else throw Napi::TypeError::New(env, "unknown capability " + name);
  }
  return caps;
}

std::string PathArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  return info[0].As<Napi::String>().Utf8Value();
}

// addCamera({path, card?, driver?, bus?, caps?, formats: [{fourcc, sizes: [{width, height,
// fps: [30, 15]}]}], colorspace?, quantization?, bytesPerLinePadding?, maxBuffers?})
Napi::Value AddCamera(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object options = info[0].As<Napi::Object>();
  FakeCameraSpec spec;
  spec.path = Str(options, "path", "");
  spec.card = Str(options, "card", spec.card);
  spec.driver = Str(options, "driver", spec.driver);
  spec.bus = Str(options, "bus", spec.bus);
  spec.caps = Caps(env, options.Get("caps"));
  spec.colorspace = Num(options, "colorspace", spec.colorspace);
  spec.quantization = Num(options, "quantization", spec.quantization);
  spec.bytes_per_line_padding = Num(options, "bytesPerLinePadding", 0);
  spec.max_buffers = Num(options, "maxBuffers", spec.max_buffers);
  const Napi::Value formats = options.Get("formats");
  if (formats.IsArray()) {
    const Napi::Array list = formats.As<Napi::Array>();
    for (uint32_t f = 0; f < list.Length(); ++f) {
      const Napi::Object entry = list.Get(f).As<Napi::Object>();
      FakeFormat format{Fourcc(env, Str(entry, "fourcc", "")), {}};
      const Napi::Array sizes = entry.Get("sizes").As<Napi::Array>();
      for (uint32_t s = 0; s < sizes.Length(); ++s) {
        const Napi::Object size = sizes.Get(s).As<Napi::Object>();
        FakeSize fake{Num(size, "width", 0), Num(size, "height", 0), {}};
        const Napi::Array rates = size.Get("fps").As<Napi::Array>();
        for (uint32_t r = 0; r < rates.Length(); ++r) {
          fake.intervals.push_back({1, rates.Get(r).As<Napi::Number>().Uint32Value()});
        }
        format.sizes.push_back(fake);
      }
      spec.formats.push_back(format);
    }
  }
  Kernel().AddCamera(spec);
  return env.Undefined();
}

// addLoopback({path, card?, exclusiveCaps?, events?: 'current' | 'legacy' | 'none'})
Napi::Value AddLoopback(const Napi::CallbackInfo& info) {
  const Napi::Object options = info[0].As<Napi::Object>();
  FakeLoopbackSpec spec;
  spec.path = Str(options, "path", "");
  spec.card = Str(options, "card", spec.card);
  const Napi::Value exclusive = options.Get("exclusiveCaps");
  spec.exclusive_caps = exclusive.IsBoolean() ? exclusive.As<Napi::Boolean>().Value() : true;
  const std::string events = Str(options, "events", "current");
  spec.events = events == "legacy" ? UsageEvents::kLegacy : events == "none" ? UsageEvents::kNone : UsageEvents::kCurrent;
  Kernel().AddLoopback(spec);
  return info.Env().Undefined();
}

Napi::Value PushFrame(const Napi::CallbackInfo& info) {
  const std::string path = PathArg(info);
  const Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  bool error_flag = false;
  if (info[2].IsObject()) {
    const Napi::Value flag = info[2].As<Napi::Object>().Get("error");
    error_flag = flag.IsBoolean() && flag.As<Napi::Boolean>().Value();
  }
  std::vector<uint8_t> data(bytes.Data(), bytes.Data() + bytes.ByteLength());
  return Napi::Boolean::New(info.Env(), Kernel().PushFrame(path, data, error_flag));
}

Napi::Value Unplug(const Napi::CallbackInfo& info) {
  Kernel().Unplug(PathArg(info));
  return info.Env().Undefined();
}

Napi::Value Replug(const Napi::CallbackInfo& info) {
  Kernel().Replug(PathArg(info));
  return info.Env().Undefined();
}

Napi::Value SetBusy(const Napi::CallbackInfo& info) {
  Kernel().SetBusy(PathArg(info), info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value AddReader(const Napi::CallbackInfo& info) {
  Kernel().AddReader(PathArg(info), info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 1);
  return info.Env().Undefined();
}

Napi::Value RemoveReader(const Napi::CallbackInfo& info) {
  Kernel().RemoveReader(PathArg(info));
  return info.Env().Undefined();
}

// setWriteBehaviour(path, {maxChunk?, eagain?})
Napi::Value SetWriteBehaviour(const Napi::CallbackInfo& info) {
  const Napi::Object options = info[1].As<Napi::Object>();
  Kernel().SetWriteBehaviour(PathArg(info), Num(options, "maxChunk", 0), int(Num(options, "eagain", 0)));
  return info.Env().Undefined();
}

Napi::Value LastFrame(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> frame;
  if (!Kernel().LastFrame(PathArg(info), &frame)) return info.Env().Null();
  return Napi::Buffer<uint8_t>::Copy(info.Env(), frame.data(), frame.size());
}

Napi::Value State(const Napi::CallbackInfo& info) {
  const FakeDeviceState state = Kernel().State(PathArg(info));
  Napi::Env env = info.Env();
  Napi::Object object = Napi::Object::New(env);
  object.Set("present", state.present);
  object.Set("streaming", state.streaming);
  object.Set("buffers", double(state.buffers));
  object.Set("queued", double(state.queued));
  object.Set("done", double(state.done));
  object.Set("dropped", double(state.dropped));
  object.Set("fourcc", state.fourcc ? FourccName(state.fourcc) : "");
  object.Set("width", state.width);
  object.Set("height", state.height);
  object.Set("bytesPerLine", state.bytes_per_line);
  object.Set("sizeImage", state.size_image);
  object.Set("fps", state.fps);
  object.Set("framesWritten", double(state.frames_written));
  object.Set("readers", state.readers);
  object.Set("openFiles", state.open_files);
  object.Set("hasWriter", state.has_writer);
  return object;
}

Napi::Value Calls(const Napi::CallbackInfo& info) {
  const std::vector<std::string> calls = Kernel().Calls(PathArg(info));
  Napi::Array array = Napi::Array::New(info.Env(), calls.size());
  for (size_t i = 0; i < calls.size(); ++i) array.Set(uint32_t(i), calls[i]);
  return array;
}

Napi::Value Reset(const Napi::CallbackInfo& info) {
  Kernel().Reset();
  return info.Env().Undefined();
}

Napi::Value OpenFiles(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Kernel().OpenFiles()));
}

Napi::Value Mappings(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Kernel().Mappings()));
}

Napi::Value Polls(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Kernel().Polls()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  SetDefaultSyscalls(KernelPointer());
  RegisterExports(env, exports);
  Napi::Object kernel = Napi::Object::New(env);
  kernel.Set("reset", Napi::Function::New(env, Reset));
  kernel.Set("addCamera", Napi::Function::New(env, AddCamera));
  kernel.Set("addLoopback", Napi::Function::New(env, AddLoopback));
  kernel.Set("pushFrame", Napi::Function::New(env, PushFrame));
  kernel.Set("unplug", Napi::Function::New(env, Unplug));
  kernel.Set("replug", Napi::Function::New(env, Replug));
  kernel.Set("setBusy", Napi::Function::New(env, SetBusy));
  kernel.Set("addReader", Napi::Function::New(env, AddReader));
  kernel.Set("removeReader", Napi::Function::New(env, RemoveReader));
  kernel.Set("setWriteBehaviour", Napi::Function::New(env, SetWriteBehaviour));
  kernel.Set("lastFrame", Napi::Function::New(env, LastFrame));
  kernel.Set("state", Napi::Function::New(env, State));
  kernel.Set("calls", Napi::Function::New(env, Calls));
  kernel.Set("openFiles", Napi::Function::New(env, OpenFiles));
  kernel.Set("mappings", Napi::Function::New(env, Mappings));
  kernel.Set("polls", Napi::Function::New(env, Polls));
  exports.Set("fakeKernel", kernel);
  return exports;
}

}  // namespace
}  // namespace facemat::testing

namespace {

Napi::Object InitTestAddon(Napi::Env env, Napi::Object exports) { return facemat::testing::Init(env, exports); }

}  // namespace

NODE_API_MODULE(facemat_native_test, InitTestAddon)
