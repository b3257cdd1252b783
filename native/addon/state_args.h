// Argument checks and conversions at the state store's N-API boundary (used by
// state_binding.cc): every check throws a TypeError/RangeError that names the argument.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>
#include <string_view>

#include "state/hash_store.h"
#include "state/state_error.h"

namespace laminar::state_napi {

using state::KeyKind;
using state::StateError;
using state::ValueKind;

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] inline void ThrowRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

inline const char* TypedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_uint8_array: return "Uint8Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float64_array: return "Float64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "another typed array";
  }
}

struct View {
  void* data = nullptr;
  size_t length = 0;  // elements
  size_t bytes = 0;
};

// One napi call per typed array (node-addon-api's wrappers make several).
inline View TypedArg(Napi::Env env, napi_value v, napi_typedarray_type want, const char* what) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) ThrowType(env, std::string(what) + " must be a " + TypedArrayName(want));
  napi_typedarray_type type;
  View out;
  napi_value ab;
  size_t offset;
  napi_get_typedarray_info(env, v, &type, &out.length, &out.data, &ab, &offset);
  if (type != want) {
    ThrowType(env, std::string(what) + " must be a " + TypedArrayName(want) + ", got " + TypedArrayName(type));
  }
  if (out.length == 0) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, ab, &detached);
    if (detached) ThrowType(env, std::string(what) + ": its ArrayBuffer is detached");
  }
  static constexpr size_t kElem[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  out.bytes = out.length * kElem[type];
  return out;
}

inline bool Overlaps(const View& a, const View& b) {
  auto pa = static_cast<const uint8_t*>(a.data), pb = static_cast<const uint8_t*>(b.data);
  return a.bytes != 0 && b.bytes != 0 && pa < pb + b.bytes && pb < pa + a.bytes;
}

inline void RequireLength(Napi::Env env, const View& v, size_t want, const char* what, const char* why) {
  if (v.length != want) {
    ThrowRange(env, std::string(what) + " has length " + std::to_string(v.length) + " but must be " + std::to_string(want) +
                        " (" + why + ")");
  }
}

inline bool IsUndefined(const Napi::CallbackInfo& info, size_t i) { return info.Length() <= i || info[i].IsUndefined(); }

// One napi_typeof, then one conversion: this is the whole cost of a single-key call's key.
inline uint64_t U64Scalar(Napi::Env env, Napi::Value v, const char* what) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env, v, &type);
  if (type == napi_number) {
    double d = 0;
    napi_get_value_double(env, v, &d);
    if (!(d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<uint64_t>(d)))) {
      ThrowRange(env, std::string(what) + " must be a non-negative safe integer (use a bigint for larger keys), got " +
                          v.ToString().Utf8Value());
    }
    return static_cast<uint64_t>(d);
  }
  if (type == napi_bigint) {
    bool lossless = false;
    uint64_t k = 0;
    napi_get_value_bigint_uint64(env, v, &k, &lossless);
    if (!lossless) ThrowRange(env, std::string(what) + " must be between 0 and 2^64-1");
    return k;
  }
  ThrowType(env, std::string(what) + " must be a bigint or a number");
}

// A byte string from a Uint8Array (no copy) or a JS string (UTF-8, copied into `holder`).
inline std::string_view BytesScalar(Napi::Env env, Napi::Value v, std::string* holder, const char* what) {
  if (v.IsString()) {
    *holder = v.As<Napi::String>().Utf8Value();
    return *holder;
  }
  if (v.IsTypedArray()) {
    View b = TypedArg(env, v, napi_uint8_array, what);
    return std::string_view(static_cast<const char*>(b.data), b.length);
  }
  ThrowType(env, std::string(what) + " must be a Uint8Array or a string");
}

[[noreturn]] inline void ThrowStateError(Napi::Env env, const StateError& e) {
  const std::string code = e.code();
  Napi::Error err;
  if (code == "INVALID_ARGUMENT" || code == "WRONG_KIND") {
    err = Napi::TypeError::New(env, e.what());
  } else if (code == "CAPACITY") {
    err = Napi::RangeError::New(env, e.what());
  } else {
    err = Napi::Error::New(env, e.what());
  }
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

inline const char* KeyKindName(KeyKind k) { return k == KeyKind::kU64 ? "u64" : "bytes"; }
inline const char* ValueKindName(ValueKind k) {
  return k == ValueKind::kF64 ? "f64" : k == ValueKind::kU64 ? "u64" : "bytes";
}

// Byte keys (keys = true) or byte values of `refs` packed as { data, offsets }; kNoRef gives an
// empty entry.
inline Napi::Object PackBytes(Napi::Env env, const state::StateStore& st, const uint32_t* refs, size_t n, bool keys) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (refs[i] != state::kNoRef) total += (keys ? st.BytesKey(refs[i]) : st.BytesValue(refs[i])).size();
  }
  if (total > UINT32_MAX) ThrowRange(env, "result of " + std::to_string(total) + " bytes exceeds 4 GiB (use smaller batches)");
  Napi::Uint8Array data = Napi::Uint8Array::New(env, total);
  Napi::Uint32Array offsets = Napi::Uint32Array::New(env, n + 1);
  uint8_t* d = data.Data();
  uint32_t* off = offsets.Data();
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    off[i] = static_cast<uint32_t>(pos);
    if (refs[i] == state::kNoRef) continue;
    std::string_view b = keys ? st.BytesKey(refs[i]) : st.BytesValue(refs[i]);
    if (!b.empty()) std::memcpy(d + pos, b.data(), b.size());
    pos += b.size();
  }
  off[n] = static_cast<uint32_t>(pos);
  Napi::Object r = Napi::Object::New(env);
  r.Set("data", data);
  r.Set("offsets", offsets);
  return r;
}

// Keys of one batch: a BigUint64Array, or packed bytes (data + n+1 offsets).
struct Keys {
  size_t n = 0;
  View u64;
  View data;
  View offsets;
};

}  // namespace laminar::state_napi
