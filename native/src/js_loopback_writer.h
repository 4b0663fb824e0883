// `new LoopbackWriter()` in JS: open(path, {width, height, fps, format, matrix}, onReaders) ->
// info (synchronous: v4l2loopback's ioctls do not block), write(rgba) -> Promise<void> resolved
// once the writer thread has converted and written the frame, close(), readers, stats().
// Lifetime as JsCaptureDevice: kept alive while open, completions through a thread-safe function.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>

#include "loopback_writer.h"

namespace facemat {

struct WriterEvent {
  bool is_write;  // a write completion, else a reader-count change
  WriteResult result;
  int32_t readers = -1;
};

class JsLoopbackWriter : public Napi::ObjectWrap<JsLoopbackWriter> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit JsLoopbackWriter(const Napi::CallbackInfo& info);
  ~JsLoopbackWriter() override;

 private:
  static void CallJs(Napi::Env env, Napi::Function, JsLoopbackWriter* self, WriterEvent* event);
  using Tsfn = Napi::TypedThreadSafeFunction<JsLoopbackWriter, WriterEvent, &JsLoopbackWriter::CallJs>;
  static void OnEnvCleanup(JsLoopbackWriter* self);

  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Readers(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);

  void Handle(Napi::Env env, const WriterEvent& event);

  std::unique_ptr<LoopbackWriter> writer_;
  Tsfn tsfn_;
  bool open_ = false;
  size_t frame_bytes_ = 0;
  Napi::FunctionReference on_readers_;
  std::optional<Napi::Promise::Deferred> pending_;
  std::optional<Napi::Env::CleanupHook<void (*)(JsLoopbackWriter*), JsLoopbackWriter>> cleanup_;
};

}  // namespace facemat
