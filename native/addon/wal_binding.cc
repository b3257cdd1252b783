// N-API side of the WAL: open/close a writer over JS-owned shared memory (the SPSC ring and the
// control words), a threadsafe function that tells JS when awaited LSNs became durable, segment
// truncation, and a batched reader for replay. Errors of the writer come back as {code, message}
// so lib/native/wal.ts can raise StorageError with a stable code.
#include <memory>
#include <string>
#include <vector>

#include "addon/modules.h"
#include "addon/shared_view.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace laminar {
namespace {

using wal::WalWriter;

const char* CodeName(int64_t code) {
  switch (code) {
    case wal::kDiskFull: return "DISK_FULL";
    case wal::kCorruption: return "CORRUPTION";
    default: return "IO_ERROR";
  }
}

Napi::Object ErrorObject(Napi::Env env, int64_t code, const std::string& message) {
  Napi::Object e = Napi::Object::New(env);
  e.Set("code", CodeName(code));
  e.Set("message", message);
  return e;
}

// Runs the JS "durable" callback on the loop thread. Through the C API, not Function::Call: while
// the environment is being torn down (process exit with a writer still open) the call fails with
// napi_cannot_run_js, and node-addon-api would throw that as a C++ exception out of a callback
// nobody catches (std::terminate). A JS exception the callback throws stays pending, so Node
// reports it as uncaught, as for any callback.
void CallDurable(Napi::Env env, Napi::Function callback) {
  if (env == nullptr || callback.IsEmpty()) return;
  napi_value undefined;
  if (napi_get_undefined(env, &undefined) != napi_ok) return;
  napi_value result;
  napi_call_function(env, undefined, callback, 0, nullptr, &result);
}

struct WalHandle {
  Napi::Reference<Napi::Value> ring_ref, control_ref;
  Napi::ThreadSafeFunction tsfn;
  std::unique_ptr<WalWriter> writer;
  bool referenced = false;

  void Shutdown(std::string* error, bool* ok) {
    *ok = true;
    if (writer) *ok = writer->Close(error);
    writer.reset();
    if (tsfn) {
      tsfn.Release();
      tsfn = Napi::ThreadSafeFunction();
    }
  }
  ~WalHandle() {
    std::string ignored;
    bool ok;
    Shutdown(&ignored, &ok);
  }
};

WalHandle* HandleArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a WAL handle");
  return info[0].As<Napi::External<WalHandle>>().Data();
}

WalWriter* OpenWriter(const Napi::CallbackInfo& info) {
  WalHandle* h = HandleArg(info);
  if (!h->writer) throw Napi::Error::New(info.Env(), "the WAL writer is closed");
  return h->writer.get();
}

std::string StringOpt(Napi::Object o, const char* key, const std::string& dflt) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : dflt;
}
double NumberOpt(Napi::Object o, const char* key, double dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : dflt;
}

// walOpen(dir, options, ringView, controlView: BigInt64Array, onDurable) -> handle | {error}
Napi::Value WalOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "WAL directory must be a string");
  if (!info[1].IsObject()) throw Napi::TypeError::New(env, "WAL options must be an object");
  SharedView ring = SharedViewArg(info, 2, "WAL ring");
  SharedView control = SharedViewArg(info, 3, "WAL control words");
  if (control.size < wal::kControlSlots * 8 || reinterpret_cast<uintptr_t>(control.data) % 8 != 0)
    throw Napi::RangeError::New(env, "WAL control words need 8 aligned 64-bit slots");
  if (!info[4].IsFunction()) throw Napi::TypeError::New(env, "onDurable must be a function");
  Napi::Object o = info[1].As<Napi::Object>();
  wal::WalOptions opts;
  opts.dir = info[0].As<Napi::String>().Utf8Value();
  opts.segment_bytes = static_cast<uint64_t>(NumberOpt(o, "segmentBytes", double(opts.segment_bytes)));
  std::string policy = StringOpt(o, "sync", "group");
  opts.policy = policy == "every" ? wal::SyncPolicy::kEveryRecord
                : policy == "off" ? wal::SyncPolicy::kOff
                                  : wal::SyncPolicy::kGroup;
  opts.group_delay_us = static_cast<uint32_t>(NumberOpt(o, "groupDelayUs", 0));
  opts.group_max_records = static_cast<uint32_t>(NumberOpt(o, "groupMaxRecords", 0));
  std::string backend = StringOpt(o, "backend", "auto");
  opts.backend = backend == "io_uring" ? wal::BackendKind::kIoUring
                 : backend == "pwrite" ? wal::BackendKind::kPwrite
                 : backend == "pwrite-dsync" ? wal::BackendKind::kPwriteDsync
                                       : wal::BackendKind::kAuto;
  Napi::Value pre_zero = o.Get("preZero");
  opts.pre_zero = !pre_zero.IsBoolean() || pre_zero.As<Napi::Boolean>().Value();
  Napi::Value pace_spare = o.Get("paceSpare");
  opts.pace_spare = !pace_spare.IsBoolean() || pace_spare.As<Napi::Boolean>().Value();
  opts.cpu = static_cast<int>(NumberOpt(o, "cpu", -1));
  opts.start_lsn = static_cast<uint64_t>(NumberOpt(o, "startLsn", 1));
  opts.fail_after_bytes = static_cast<uint64_t>(NumberOpt(o, "failAfterBytes", 0));
  opts.fail_errno = static_cast<int>(NumberOpt(o, "failErrno", 0));

  auto h = std::make_unique<WalHandle>();
  h->ring_ref = Napi::Persistent(info[2]);
  h->control_ref = Napi::Persistent(info[3]);
  h->tsfn = Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "laminar-wal-durable", 0, 1);
  h->tsfn.Unref(env);
  Napi::ThreadSafeFunction tsfn = h->tsfn;
  std::string error;
  int code = 0;
  h->writer = WalWriter::Open(opts, ring.data, ring.size, reinterpret_cast<int64_t*>(control.data),
                              [tsfn]() mutable { tsfn.NonBlockingCall(CallDurable); }, &error, &code);
  if (!h->writer) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("error", ErrorObject(env, code, error));
    return out;  // ~WalHandle releases the threadsafe function
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("lastLsn", Napi::Number::New(env, static_cast<double>(h->writer->last_lsn_at_open())));
  out.Set("backend", h->writer->backend_name());
  out.Set("maxRecordBytes", Napi::Number::New(env, static_cast<double>(h->writer->max_record_bytes())));
  out.Set("handle", Napi::External<WalHandle>::New(env, h.release(), [](Napi::Env, WalHandle* p) { delete p; }));
  return out;
}

Napi::Value WalWake(const Napi::CallbackInfo& info) {
  OpenWriter(info)->Wake();
  return info.Env().Undefined();
}

// walRef(handle, on): keep the event loop alive while promises wait for durability.
Napi::Value WalRef(const Napi::CallbackInfo& info) {
  WalHandle* h = HandleArg(info);
  bool on = info[1].ToBoolean();
  if (h->tsfn && on != h->referenced) {
    if (on) h->tsfn.Ref(info.Env());
    else h->tsfn.Unref(info.Env());
    h->referenced = on;
  }
  return info.Env().Undefined();
}

Napi::Value WalError(const Napi::CallbackInfo& info) {
  WalHandle* h = HandleArg(info);
  if (!h->writer || h->writer->error_code() == 0) return info.Env().Null();
  return ErrorObject(info.Env(), h->writer->error_code(), h->writer->error_message());
}

// walClose(handle) -> null | {code, message}: drains, syncs, joins the writer thread.
Napi::Value WalClose(const Napi::CallbackInfo& info) {
  WalHandle* h = HandleArg(info);
  int64_t code = h->writer ? h->writer->error_code() : 0;
  std::string error;
  bool ok;
  h->Shutdown(&error, &ok);
  h->ring_ref.Reset();
  h->control_ref.Reset();
  if (ok) return info.Env().Null();
  return ErrorObject(info.Env(), code, error);
}

Napi::Value WalTruncateBefore(const Napi::CallbackInfo& info) {
  WalWriter* w = OpenWriter(info);
  double lsn = NumberArg(info, 1, "lsn");
  std::string error;
  int n = w->TruncateBefore(static_cast<uint64_t>(lsn), &error);
  if (n < 0) return ErrorObject(info.Env(), wal::kIoError, error);
  return Napi::Number::New(info.Env(), n);
}

// ---- reader
struct ReaderHandle {
  std::unique_ptr<wal::WalReader> reader;
};

ReaderHandle* ReaderArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a WAL reader handle");
  return info[0].As<Napi::External<ReaderHandle>>().Data();
}

// walReaderOpen(dir, fromLsn) -> handle | {error}
Napi::Value WalReaderOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "WAL directory must be a string");
  double from = NumberArg(info, 1, "fromLsn");
  auto h = std::make_unique<ReaderHandle>();
  h->reader = std::make_unique<wal::WalReader>();
  std::string error;
  if (!h->reader->Open(info[0].As<Napi::String>().Utf8Value(), static_cast<uint64_t>(from), &error)) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("error", ErrorObject(env, error.find("no longer holds") != std::string::npos ? wal::kCorruption : wal::kIoError, error));
    return out;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("handle", Napi::External<ReaderHandle>::New(env, h.release(), [](Napi::Env, ReaderHandle* p) { delete p; }));
  return out;
}

// walReaderNext(handle, maxBytes) -> {data: Uint8Array, ends: Uint32Array, firstLsn} | null | {error}
Napi::Value WalReaderNext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ReaderHandle* h = ReaderArg(info);
  if (!h->reader) throw Napi::Error::New(env, "the WAL reader is closed");
  double max_bytes = NumberArg(info, 1, "maxBytes");
  std::vector<uint8_t> payloads;
  std::vector<uint32_t> ends;
  uint64_t first = 0;
  std::string error;
  bool got = h->reader->NextBatch(static_cast<uint64_t>(max_bytes), &payloads, &ends, &first, &error);
  if (!error.empty()) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("error", ErrorObject(env, wal::kIoError, error));
    return out;
  }
  if (!got) return env.Null();
  auto data = Napi::Uint8Array::New(env, payloads.size());
  if (!payloads.empty()) std::memcpy(data.Data(), payloads.data(), payloads.size());
  auto ends_arr = Napi::Uint32Array::New(env, ends.size());
  std::memcpy(ends_arr.Data(), ends.data(), ends.size() * 4);
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("ends", ends_arr);
  out.Set("firstLsn", Napi::Number::New(env, static_cast<double>(first)));
  return out;
}

Napi::Value WalReaderStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ReaderHandle* h = ReaderArg(info);
  if (!h->reader) throw Napi::Error::New(env, "the WAL reader is closed");
  const wal::ReplayStop& s = h->reader->stop();
  Napi::Object out = Napi::Object::New(env);
  out.Set("kind", s.kind == wal::ReplayStop::kEnd ? "end" : s.kind == wal::ReplayStop::kTornTail ? "torn-tail" : "corrupt");
  out.Set("segment", s.segment);
  out.Set("offset", Napi::Number::New(env, static_cast<double>(s.offset)));
  out.Set("lsn", Napi::Number::New(env, static_cast<double>(s.lsn)));
  out.Set("reason", s.reason);
  out.Set("done", h->reader->done());
  return out;
}

Napi::Value WalReaderClose(const Napi::CallbackInfo& info) {
  ReaderArg(info)->reader.reset();
  return info.Env().Undefined();
}

}  // namespace

void InitWal(Napi::Env env, Napi::Object exports) {
  exports.Set("walOpen", Napi::Function::New(env, WalOpen, "walOpen"));
  exports.Set("walWake", Napi::Function::New(env, WalWake, "walWake"));
  exports.Set("walRef", Napi::Function::New(env, WalRef, "walRef"));
  exports.Set("walError", Napi::Function::New(env, WalError, "walError"));
  exports.Set("walClose", Napi::Function::New(env, WalClose, "walClose"));
  exports.Set("walTruncateBefore", Napi::Function::New(env, WalTruncateBefore, "walTruncateBefore"));
  exports.Set("walReaderOpen", Napi::Function::New(env, WalReaderOpen, "walReaderOpen"));
  exports.Set("walReaderNext", Napi::Function::New(env, WalReaderNext, "walReaderNext"));
  exports.Set("walReaderStop", Napi::Function::New(env, WalReaderStop, "walReaderStop"));
  exports.Set("walReaderClose", Napi::Function::New(env, WalReaderClose, "walReaderClose"));
}

}  // namespace laminar
