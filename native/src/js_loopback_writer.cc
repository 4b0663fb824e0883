#include "js_loopback_writer.h"

#include "js_args.h"
#include "v4l2_syscalls.h"

namespace facemat {
namespace {

Napi::Value Rejected(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(CodedError(env, code, message).Value());
  return deferred.Promise();
}

}  // namespace

Napi::Function JsLoopbackWriter::Define(Napi::Env env) {
  return DefineClass(env, "LoopbackWriter",
                     {
                         InstanceMethod<&JsLoopbackWriter::Open>("open"),
                         InstanceMethod<&JsLoopbackWriter::Write>("write"),
                         InstanceMethod<&JsLoopbackWriter::Close>("close"),
                         InstanceMethod<&JsLoopbackWriter::Stats>("stats"),
                         InstanceAccessor<&JsLoopbackWriter::Readers>("readers"),
                         InstanceAccessor<&JsLoopbackWriter::IsOpen>("isOpen"),
                     });
}

JsLoopbackWriter::JsLoopbackWriter(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<JsLoopbackWriter>(info), writer_(std::make_unique<LoopbackWriter>(DefaultSyscalls())) {}

JsLoopbackWriter::~JsLoopbackWriter() { writer_->Close(); }

void JsLoopbackWriter::CallJs(Napi::Env env, Napi::Function, JsLoopbackWriter* self, WriterEvent* event) {
  if (env != nullptr) self->Handle(env, *event);
  delete event;
}

void JsLoopbackWriter::OnEnvCleanup(JsLoopbackWriter* self) { self->writer_->Close(); }

Napi::Value JsLoopbackWriter::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "LoopbackWriter.open";
  if (!info[0].IsString()) throw Napi::TypeError::New(env, std::string(fn) + ": path must be a string");
  if (!info[1].IsObject()) {
    throw Napi::TypeError::New(env, std::string(fn) + ": options must be {width, height, fps, format?, matrix?}");
  }
  if (!info[2].IsFunction() && !info[2].IsUndefined()) {
    throw Napi::TypeError::New(env, std::string(fn) + ": onReaders must be a function");
  }
  if (open_) throw CodedError(env, "EBUSY", std::string(fn) + ": already open (close it first)");
  const Napi::Object options = info[1].As<Napi::Object>();
  OutputRequest request;
  request.width = uint32_t(OptionNumber(options, "width", fn, 0));
  request.height = uint32_t(OptionNumber(options, "height", fn, 0));
  request.fps = OptionNumber(options, "fps", fn, 30);
  const Napi::Value format = options.Get("format");
  const std::string format_name = format.IsString() ? format.As<Napi::String>().Utf8Value() : "yuyv";
  if (!format.IsUndefined() && format_name != "yuyv" && format_name != "i420") {
    throw Napi::TypeError::New(env, std::string(fn) + ": format must be 'yuyv' or 'i420'");
  }
  request.format = format_name == "i420" ? OutputPixelFormat::kI420 : OutputPixelFormat::kYuyv;
  const Napi::Value matrix = options.Get("matrix");
  const std::string matrix_name = matrix.IsString() ? matrix.As<Napi::String>().Utf8Value() : "bt601";
  if (!matrix.IsUndefined() && matrix_name != "bt601" && matrix_name != "bt709") {
    throw Napi::TypeError::New(env, std::string(fn) + ": matrix must be 'bt601' or 'bt709'");
  }
  request.matrix = matrix_name == "bt709" ? YuvMatrix::kBt709 : YuvMatrix::kBt601;

  Tsfn tsfn = Tsfn::New(env, "facemat:loopback", 0, 1, this,
                        [](Napi::Env, void*, JsLoopbackWriter* self) { self->Unref(); });
  Ref();  // undone by the thread-safe function's finaliser, after its last call
  tsfn.Unref(env);  // only a pending write keeps the process alive
  auto on_written = [tsfn](const WriteResult& result) {
    auto* event = new WriterEvent{true, result, -1};
    if (tsfn.NonBlockingCall(event) != napi_ok) delete event;
  };
  auto on_readers = [tsfn](int32_t readers) {
    auto* event = new WriterEvent{false, {}, readers};
    if (tsfn.NonBlockingCall(event) != napi_ok) delete event;
  };
  OutputInfo output;
  try {
    output = writer_->Open(info[0].As<Napi::String>().Utf8Value(), request, on_written, on_readers);
  } catch (const DeviceError& error) {
    tsfn.Release();
    throw CodedError(env, error);
  }
  tsfn_ = tsfn;
  open_ = true;
  frame_bytes_ = size_t(request.width) * request.height * 4;
  on_readers_ = info[2].IsFunction() ? Napi::Persistent(info[2].As<Napi::Function>()) : Napi::FunctionReference();
  cleanup_ = env.AddCleanupHook(&JsLoopbackWriter::OnEnvCleanup, this);

  Napi::Object result = Napi::Object::New(env);
  result.Set("card", output.card);
  result.Set("driver", output.driver);
  result.Set("bytesPerLine", output.bytes_per_line);
  result.Set("sizeImage", output.size_image);
  result.Set("readerDetection", output.reader_detection);
  return result;
}

Napi::Value JsLoopbackWriter::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Bytes frame = ArgBytes(info, 0, "LoopbackWriter.write", "rgba");
  if (!open_) return Rejected(env, "ECLOSED", "LoopbackWriter.write: the output is not open");
  RequireLength(env, frame, frame_bytes_, "LoopbackWriter.write", "rgba", "one RGBA frame");
  if (pending_) return Rejected(env, "EBUSY", "LoopbackWriter.write: a frame is still being written");
  WriteResult error;
  if (!writer_->Submit(frame.data, &error)) return Rejected(env, error.code, error.message);
  pending_ = Napi::Promise::Deferred::New(env);
  tsfn_.Ref(env);
  return pending_->Promise();
}

void JsLoopbackWriter::Handle(Napi::Env env, const WriterEvent& event) {
  if (!event.is_write) {
    if (!on_readers_.IsEmpty()) on_readers_.Call({Napi::Number::New(env, event.readers)});
    return;
  }
  if (!pending_) return;
  Napi::Promise::Deferred deferred = *pending_;
  pending_.reset();
  if (open_) tsfn_.Unref(env);
  if (event.result.ok) {
    deferred.Resolve(env.Undefined());
  } else {
    deferred.Reject(CodedError(env, event.result.code, event.result.message).Value());
  }
}

Napi::Value JsLoopbackWriter::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!open_) return env.Undefined();
  const bool had_pending = writer_->Close();
  open_ = false;
  if (cleanup_) {
    cleanup_->Remove(env);
    cleanup_.reset();
  }
  if (had_pending && pending_) {
    Napi::Promise::Deferred deferred = *pending_;
    pending_.reset();
    deferred.Reject(CodedError(env, "ECLOSED", "LoopbackWriter.write: the output was closed").Value());
  }
  tsfn_.Release();
  return env.Undefined();
}

Napi::Value JsLoopbackWriter::Stats(const Napi::CallbackInfo& info) {
  const OutputStats stats = writer_->stats();
  Napi::Object object = Napi::Object::New(info.Env());
  object.Set("frames", double(stats.frames));
  object.Set("partialWrites", double(stats.partial_writes));
  object.Set("wouldBlock", double(stats.would_block));
  return object;
}

Napi::Value JsLoopbackWriter::Readers(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), writer_->readers());
}

Napi::Value JsLoopbackWriter::IsOpen(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), open_); }

}  // namespace facemat
