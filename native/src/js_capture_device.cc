#include "js_capture_device.h"

#include <linux/videodev2.h>

#include "js_args.h"
#include "v4l2_formats.h"
#include "v4l2_syscalls.h"

namespace facemat {

class CaptureOpenWorker : public Napi::AsyncWorker {
 public:
  CaptureOpenWorker(Napi::Env env, JsCaptureDevice* owner, std::string path, CaptureRequest request,
                    CaptureDevice::Completion completion, Napi::Promise::Deferred deferred)
      : Napi::AsyncWorker(env, "facemat:capture-open"),
        owner_(owner),
        path_(std::move(path)),
        request_(request),
        completion_(std::move(completion)),
        deferred_(deferred) {}

  void Execute() override {
    try {
      format_ = owner_->device_->Open(path_, request_, std::move(completion_));
    } catch (const DeviceError& error) {
      error_ = error;
    } catch (const std::exception& error) {
      error_ = DeviceError("EIO", path_ + ": " + error.what());
    }
  }

  void OnOK() override { owner_->OpenFinished(Env(), deferred_, error_ ? nullptr : &format_, error_); }

 private:
  JsCaptureDevice* owner_;
  std::string path_;
  CaptureRequest request_;
  CaptureDevice::Completion completion_;
  Napi::Promise::Deferred deferred_;
  CaptureFormat format_{};
  std::optional<DeviceError> error_;
};

namespace {

Napi::Object FormatObject(Napi::Env env, const CaptureFormat& format) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("fourcc", FourccName(format.fourcc));
  object.Set("width", format.width);
  object.Set("height", format.height);
  object.Set("fps", format.fps);
  object.Set("bytesPerLine", format.bytes_per_line);
  object.Set("buffers", format.buffers);
  object.Set("card", format.card);
  object.Set("driver", format.driver);
  object.Set("matrix", format.matrix == YuvMatrix::kBt709 ? "bt709" : "bt601");
  object.Set("range", format.range == YuvRange::kFull ? "full" : "limited");
  return object;
}

Napi::Value Rejected(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(CodedError(env, code, message).Value());
  return deferred.Promise();
}

}  // namespace

Napi::Function JsCaptureDevice::Define(Napi::Env env) {
  return DefineClass(env, "CaptureDevice",
                     {
                         InstanceMethod<&JsCaptureDevice::Open>("open"),
                         InstanceMethod<&JsCaptureDevice::Read>("read"),
                         InstanceMethod<&JsCaptureDevice::Close>("close"),
                         InstanceMethod<&JsCaptureDevice::Stats>("stats"),
                         InstanceAccessor<&JsCaptureDevice::IsOpen>("isOpen"),
                     });
}

JsCaptureDevice::JsCaptureDevice(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<JsCaptureDevice>(info), device_(std::make_unique<CaptureDevice>(DefaultSyscalls())) {}

JsCaptureDevice::~JsCaptureDevice() { device_->Close(); }

void JsCaptureDevice::CallJs(Napi::Env env, Napi::Function, JsCaptureDevice* self, FrameResult* result) {
  if (env != nullptr) self->Deliver(env, *result);
  delete result;
}

void JsCaptureDevice::OnEnvCleanup(JsCaptureDevice* self) {
  // The process is exiting with the device open: stop the thread before the env goes away.
  self->device_->Close();
}

Napi::Value JsCaptureDevice::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "CaptureDevice.open: path must be a string");
  if (!info[1].IsObject()) {
    throw Napi::TypeError::New(env, "CaptureDevice.open: options must be {width, height, fps}");
  }
  const Napi::Object options = info[1].As<Napi::Object>();
  CaptureRequest request;
  request.width = uint32_t(OptionNumber(options, "width", "CaptureDevice.open", 1280));
  request.height = uint32_t(OptionNumber(options, "height", "CaptureDevice.open", 720));
  request.fps = OptionNumber(options, "fps", "CaptureDevice.open", 30);
  const Napi::Value format = options.Get("format");
  if (!format.IsUndefined()) {
    const std::string name = format.IsString() ? format.As<Napi::String>().Utf8Value() : "";
    if (name == "mjpeg") request.fourcc = V4L2_PIX_FMT_MJPEG;
    else if (name == "nv12") request.fourcc = V4L2_PIX_FMT_NV12;
    else if (name == "yuyv") request.fourcc = V4L2_PIX_FMT_YUYV;
    else if (name == "i420") request.fourcc = V4L2_PIX_FMT_YUV420;
    else throw Napi::TypeError::New(env, "CaptureDevice.open: format must be 'mjpeg', 'nv12', 'yuyv' or 'i420'");
  }
  if (opening_ || tsfn_live_) {
    return Rejected(env, "EBUSY", "CaptureDevice.open: already open (close it first)");
  }
  opening_ = true;
  close_requested_ = false;
  tsfn_ = Tsfn::New(env, "facemat:capture", 0, 1, this,
                    [](Napi::Env, void*, JsCaptureDevice* self) { self->Unref(); });
  tsfn_.Unref(env);  // only a pending read keeps the process alive
  tsfn_live_ = true;
  Ref();  // undone by the thread-safe function's finaliser, after its last call
  Tsfn tsfn = tsfn_;
  auto completion = [tsfn](const FrameResult& result) {
    auto* copy = new FrameResult(result);
    if (tsfn.NonBlockingCall(copy) != napi_ok) delete copy;
  };
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  auto* worker = new CaptureOpenWorker(env, this, info[0].As<Napi::String>().Utf8Value(), request,
                                       std::move(completion), deferred);
  worker->Queue();
  return deferred.Promise();
}

void JsCaptureDevice::OpenFinished(Napi::Env env, Napi::Promise::Deferred deferred, const CaptureFormat* format,
                                   const std::optional<DeviceError>& error) {
  opening_ = false;
  if (error) {
    tsfn_.Release();
    tsfn_live_ = false;
    deferred.Reject(CodedError(env, *error).Value());
    return;
  }
  cleanup_ = env.AddCleanupHook(&JsCaptureDevice::OnEnvCleanup, this);
  if (close_requested_) {
    Shutdown(env);
    deferred.Reject(CodedError(env, "ECLOSED", "CaptureDevice.open: closed while opening").Value());
    return;
  }
  frame_bytes_ = size_t(format->width) * format->height * 4;
  deferred.Resolve(FormatObject(env, *format));
}

Napi::Value JsCaptureDevice::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Bytes target = ArgBytes(info, 0, "CaptureDevice.read", "target");
  if (opening_) return Rejected(env, "EBUSY", "CaptureDevice.read: the device is still opening");
  if (!tsfn_live_) return Rejected(env, "ECLOSED", "CaptureDevice.read: the device is not open");
  RequireLength(env, target, frame_bytes_, "CaptureDevice.read", "target", "one RGBA frame");
  if (pending_) return Rejected(env, "EBUSY", "CaptureDevice.read: a read is already pending");
  FrameResult error;
  if (!device_->RequestFrame(target.data, &error)) return Rejected(env, error.code, error.message);
  pending_ = Napi::Promise::Deferred::New(env);
  pending_target_ = Napi::Persistent(info[0].As<Napi::Object>());  // keeps the buffer alive
  tsfn_.Ref(env);
  return pending_->Promise();
}

void JsCaptureDevice::Deliver(Napi::Env env, const FrameResult& result) {
  if (!pending_) return;
  Napi::Promise::Deferred deferred = *pending_;
  pending_.reset();
  pending_target_.Reset();
  if (tsfn_live_) tsfn_.Unref(env);
  if (result.ok) {
    Napi::Object frame = Napi::Object::New(env);
    frame.Set("timestampMs", result.timestamp_ms);
    frame.Set("sequence", result.sequence);
    deferred.Resolve(frame);
  } else {
    deferred.Reject(CodedError(env, result.code, result.message).Value());
  }
}

void JsCaptureDevice::Shutdown(Napi::Env env) {
  if (!tsfn_live_) return;
  const bool had_pending = device_->Close();
  if (cleanup_) {
    cleanup_->Remove(env);
    cleanup_.reset();
  }
  tsfn_live_ = false;
  if (had_pending && pending_) {
    Napi::Promise::Deferred deferred = *pending_;
    pending_.reset();
    pending_target_.Reset();
    deferred.Reject(CodedError(env, "ECLOSED", "CaptureDevice.read: the device was closed").Value());
  }
  tsfn_.Release();
}

Napi::Value JsCaptureDevice::Close(const Napi::CallbackInfo& info) {
  if (opening_) {
    close_requested_ = true;
  } else {
    Shutdown(info.Env());
  }
  return info.Env().Undefined();
}

Napi::Value JsCaptureDevice::Stats(const Napi::CallbackInfo& info) {
  const CaptureStats stats = device_->stats();
  Napi::Object object = Napi::Object::New(info.Env());
  object.Set("captured", double(stats.captured));
  object.Set("delivered", double(stats.delivered));
  object.Set("dropped", double(stats.dropped));
  object.Set("corrupt", double(stats.corrupt));
  return object;
}

Napi::Value JsCaptureDevice::IsOpen(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tsfn_live_ && !opening_);
}

}  // namespace facemat
