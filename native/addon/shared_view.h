// Argument helpers shared by the ring and WAL bindings: typed-array views over shared memory
// (N-API cannot unwrap a SharedArrayBuffer itself, but it can unwrap a view of one).
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace laminar {

struct SharedView {
  uint8_t* data;
  size_t size;
};

inline SharedView SharedViewArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsTypedArray())
    throw Napi::TypeError::New(env, std::string(what) + " must be a typed array over a SharedArrayBuffer");
  // Raw napi_get_typedarray_info: node-addon-api's ArrayBuffer() rejects SharedArrayBuffers.
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, info[i], &type, &length, &data, &buffer, &offset) != napi_ok)
    throw Napi::TypeError::New(env, std::string(what) + " could not be read");
  size_t element = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: element = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: element = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: element = 8; break;
    default: break;
  }
  if (data == nullptr || length == 0) throw Napi::TypeError::New(env, std::string(what) + " is empty or detached");
  return {static_cast<uint8_t*>(data), length * element};
}

inline uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer between 0 and 2^32-1");
  return static_cast<uint32_t>(d);
}

inline double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

}  // namespace laminar
