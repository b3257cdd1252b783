// N-API side of lib/native/sys.ts: CPU pinning and naming of the calling (JS) thread, core counts.
#include <cerrno>
#include <cstring>
#include <vector>

#include "addon/modules.h"
#include "sys/sys.h"

namespace laminar {
namespace {

Napi::Value CpuCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sys::OnlineCpuCount()); }

Napi::Value Affinity(const Napi::CallbackInfo& info) {
  std::vector<int> cpus = sys::CurrentAffinity();
  Napi::Array out = Napi::Array::New(info.Env(), cpus.size());
  for (size_t i = 0; i < cpus.size(); i++) out.Set(static_cast<uint32_t>(i), cpus[i]);
  return out;
}

// sysPin(cpus: number[]) pins the calling thread.
Napi::Value Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "cpus must be an array of CPU numbers");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<int> cpus;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "cpus must be an array of CPU numbers");
    cpus.push_back(v.As<Napi::Number>().Int32Value());
  }
  int err = sys::PinCurrentThread(cpus);
  if (err != 0) throw Napi::Error::New(env, std::string("cannot pin the thread: ") + std::strerror(err));
  return env.Undefined();
}

Napi::Value SetName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "thread name must be a string");
  int err = sys::NameCurrentThread(info[0].As<Napi::String>().Utf8Value());
  if (err != 0) throw Napi::Error::New(env, std::string("cannot name the thread: ") + std::strerror(err));
  return env.Undefined();
}

Napi::Value GetName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), sys::CurrentThreadName()); }
Napi::Value CurrentCpu(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sys::CurrentCpu()); }

}  // namespace

void InitSys(Napi::Env env, Napi::Object exports) {
  exports.Set("sysCpuCount", Napi::Function::New(env, CpuCount, "sysCpuCount"));
  exports.Set("sysAffinity", Napi::Function::New(env, Affinity, "sysAffinity"));
  exports.Set("sysPin", Napi::Function::New(env, Pin, "sysPin"));
  exports.Set("sysSetThreadName", Napi::Function::New(env, SetName, "sysSetThreadName"));
  exports.Set("sysThreadName", Napi::Function::New(env, GetName, "sysThreadName"));
  exports.Set("sysCurrentCpu", Napi::Function::New(env, CurrentCpu, "sysCurrentCpu"));
}

}  // namespace laminar
