// Parsing of the NativeStateStore constructor's options object (keys, values, width, ordered,
// capacity), with the same boundary errors as every other argument.
#pragma once
#include <string>

#include "addon/state_args.h"
#include "state/hash_store.h"

namespace laminar {
namespace state_napi {

inline state::StoreOptions ParseStoreOptions(Napi::Env env, Napi::Object o, uint64_t max_entries) {
  state::StoreOptions so;
  std::string keys = o.Get("keys").IsString() ? o.Get("keys").As<Napi::String>().Utf8Value() : "";
  if (keys == "u64") {
    so.key_kind = KeyKind::kU64;
  } else if (keys == "bytes") {
    so.key_kind = KeyKind::kBytes;
  } else {
    ThrowType(env, "options.keys must be 'u64' or 'bytes'");
  }
  std::string values = o.Get("values").IsString() ? o.Get("values").As<Napi::String>().Utf8Value() : "";
  if (values == "f64") {
    so.value_kind = ValueKind::kF64;
  } else if (values == "u64") {
    so.value_kind = ValueKind::kU64;
  } else if (values == "bytes") {
    so.value_kind = ValueKind::kBytes;
  } else {
    ThrowType(env, "options.values must be 'f64', 'u64' or 'bytes'");
  }
  so.width = so.value_kind == ValueKind::kBytes ? 0 : 1;
  if (o.Has("width") && !o.Get("width").IsUndefined()) {
    uint64_t w = U64Scalar(env, o.Get("width"), "options.width");
    if (so.value_kind == ValueKind::kBytes) ThrowType(env, "options.width applies only to 'f64' or 'u64' values");
    if (w < 1 || w > state::kMaxWidth) ThrowRange(env, "options.width must be between 1 and " + std::to_string(state::kMaxWidth));
    so.width = static_cast<uint32_t>(w);
  }
  if (o.Has("ordered")) so.ordered = o.Get("ordered").ToBoolean().Value();
  if (o.Has("capacity") && !o.Get("capacity").IsUndefined()) so.initial_capacity = U64Scalar(env, o.Get("capacity"), "options.capacity");
  so.max_entries = max_entries;
  return so;
}

}  // namespace state_napi
}  // namespace laminar
