// `new CaptureDevice()` in JS: open(path, {width, height, fps}) -> Promise<format> (negotiation
// runs on the libuv pool, opening a USB camera can take a moment), read(target) ->
// Promise<{timestampMs, sequence}> filled by the capture thread, close(), stats().
//
// Lifetime: while open, the object keeps itself alive (a device must be closed, like a file)
// and a thread-safe function carries completions from the capture thread to the JS thread; it
// holds the event loop open only while a read is pending.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>

#include "capture_device.h"

namespace facemat {

class JsCaptureDevice : public Napi::ObjectWrap<JsCaptureDevice> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit JsCaptureDevice(const Napi::CallbackInfo& info);
  ~JsCaptureDevice() override;

 private:
  static void CallJs(Napi::Env env, Napi::Function, JsCaptureDevice* self, FrameResult* result);
  using Tsfn = Napi::TypedThreadSafeFunction<JsCaptureDevice, FrameResult, &JsCaptureDevice::CallJs>;
  static void OnEnvCleanup(JsCaptureDevice* self);

  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);

  void Deliver(Napi::Env env, const FrameResult& result);
  void OpenFinished(Napi::Env env, Napi::Promise::Deferred deferred, const CaptureFormat* format,
                    const std::optional<DeviceError>& error);
  void Shutdown(Napi::Env env);  // closes the device and fails a pending read

  friend class CaptureOpenWorker;

  std::unique_ptr<CaptureDevice> device_;
  Tsfn tsfn_;
  bool tsfn_live_ = false;  // between a successful start of open() and close()
  bool opening_ = false;
  bool close_requested_ = false;
  size_t frame_bytes_ = 0;
  std::optional<Napi::Promise::Deferred> pending_;
  Napi::ObjectReference pending_target_;
  std::optional<Napi::Env::CleanupHook<void (*)(JsCaptureDevice*), JsCaptureDevice>> cleanup_;
};

}  // namespace facemat
