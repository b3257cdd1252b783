// N-API binding of the native state store: one ObjectWrap per store (`NativeStateStore`).
// Every argument is checked at the boundary (types, detached buffers, lengths, overlaps, closed
// store) and rejected with a TypeError/RangeError naming the argument, before anything mutates,
// so a bad call never crashes and never applies half a batch. Batches take typed arrays and
// cross the boundary once per batch. lib/native/state-store.ts is the typed API over this.
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "addon/modules.h"
#include "addon/state_args.h"
#include "addon/state_fast_path.h"
#include "addon/state_options.h"
#include "state/hash_store.h"
#include "state/snapshot.h"
#include "state/state_error.h"

namespace laminar {
namespace {

using namespace state_napi;
using state::StateStore;

// ---------------------------------------------------------------- the wrapped store

class StoreWrap : public Napi::ObjectWrap<StoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    Napi::Function ctor = DefineClass(env, "NativeStateStore",
                       {
                           InstanceMethod<&StoreWrap::Get>("get"),
                           InstanceMethod<&StoreWrap::GetBytes>("getBytes"),
                           InstanceMethod<&StoreWrap::Put>("put"),
                           InstanceMethod<&StoreWrap::Delete>("delete"),
                           InstanceMethod<&StoreWrap::UpsertSlots>("upsertSlots"),
                           InstanceMethod<&StoreWrap::GetOne>("getOne"),
                           InstanceMethod<&StoreWrap::PutOne>("putOne"),
                           InstanceMethod<&StoreWrap::DeleteOne>("deleteOne"),
                           InstanceMethod<&StoreWrap::HasOne>("hasOne"),
                           InstanceMethod<&StoreWrap::Scan>("scan"),
                           InstanceMethod<&StoreWrap::ValuesBuffer>("valuesBuffer"),
                           InstanceMethod<&StoreWrap::ValuesBytes>("valuesBytes"),
                           InstanceMethod<&StoreWrap::Snapshot>("snapshot"),
                           InstanceMethod<&StoreWrap::Size>("size"),
                           InstanceMethod<&StoreWrap::Memory>("memory"),
                           InstanceMethod<&StoreWrap::Info>("info"),
                           InstanceMethod<&StoreWrap::Clear>("clear"),
                           InstanceMethod<&StoreWrap::Close>("close"),
                       });
    return ctor;
  }

  // ---- what FastPath (state_fast_path.h) needs ----
  StateStore* OpenStore() { return store_.get(); }
  FastKind fast_kind() const { return fast_kind_; }
  void AfterInsert(Napi::Env env) { ReportMemory(env); }

  explicit StoreWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StoreWrap>(info) {
    Napi::Env env = info.Env();
    fast_cell_->wrap = this;
    // Own getOne/putOne/hasOne shadow the prototype's general methods (see state_fast_path.h).
    FastPath<StoreWrap>::Attach(env, info.This().As<Napi::Object>(), fast_cell_);
    if (info.Length() < 1 || !info[0].IsObject()) ThrowType(env, "NativeStateStore: options must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    uint64_t max_entries = 0;
    if (o.Has("maxEntries") && !o.Get("maxEntries").IsUndefined()) {
      max_entries = U64Scalar(env, o.Get("maxEntries"), "options.maxEntries");
      if (max_entries == 0) ThrowRange(env, "options.maxEntries must be at least 1");
    }
    try {
      Napi::Value restore = o.Get("restoreFrom");
      if (!restore.IsUndefined()) {
        if (!restore.IsString()) ThrowType(env, "options.restoreFrom must be a file path string");
        store_ = state::LoadSnapshotFile(restore.As<Napi::String>().Utf8Value(), max_entries);
        fast_kind_ = FastKindOf(*store_);
        ReportMemory(env);
        return;
      }
      state::StoreOptions so = ParseStoreOptions(env, o, max_entries);
      store_ = std::make_unique<StateStore>(so);
      fast_kind_ = FastKindOf(*store_);
      ReportMemory(env);
    } catch (const StateError& e) {
      ThrowStateError(env, e);
    } catch (const std::bad_alloc&) {
      // node-addon-api converts only Napi::Error; anything else escaping would terminate Node.
      ThrowRange(env, "NativeStateStore: out of memory (is options.capacity too large?)");
    }
  }

  ~StoreWrap() override {
    fast_cell_->wrap = nullptr;  // functions kept past the handle then see a closed store
    ReleaseMemory(Env());
  }

 private:
  friend struct FastPath<StoreWrap>;  // falls back to GetOne / PutOne / HasOne

  // Tells V8 how much native memory this store holds, so an abandoned store's size counts
  // towards garbage collection pressure. Re-reported only on changes of 1 MiB or more.
  void ReportMemory(Napi::Env env) {
    if (!store_) return;
    const int64_t now = static_cast<int64_t>(store_->Memory().total);
    const int64_t delta = now - reported_bytes_;
    if (delta >= (1 << 20) || delta <= -(1 << 20)) {
      int64_t ignored;
      napi_adjust_external_memory(env, delta, &ignored);
      reported_bytes_ = now;
    }
  }

  void ReleaseMemory(Napi::Env env) {
    if (reported_bytes_ != 0) {
      int64_t ignored;
      napi_adjust_external_memory(env, -reported_bytes_, &ignored);
      reported_bytes_ = 0;
    }
  }

  StateStore& Live(Napi::Env env) {
    if (!store_) {
      Napi::Error err = Napi::Error::New(env, "the state store is closed");
      err.Set("code", Napi::String::New(env, "CLOSED"));
      throw err;
    }
    return *store_;
  }

  template <class Fn>
  Napi::Value Guard(const Napi::CallbackInfo& info, Fn&& fn) {
    try {
      return fn(info.Env(), Live(info.Env()));
    } catch (const StateError& e) {
      ThrowStateError(info.Env(), e);
    } catch (const std::bad_alloc&) {
      ThrowRange(info.Env(), "state store: out of memory");
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      // node-addon-api converts only Napi::Error; anything else escaping would terminate Node.
      throw Napi::Error::New(info.Env(), std::string("state store: ") + e.what());
    }
  }

  // Parses the keys at info[0] (and info[1] for packed byte keys), validating every offset.
  Keys KeysArg(Napi::Env env, const Napi::CallbackInfo& info, const StateStore& st) {
    Keys k;
    if (st.key_kind() == KeyKind::kU64) {
      k.u64 = TypedArg(env, info[0], napi_biguint64_array, "keys");
      if (!IsUndefined(info, 1)) ThrowType(env, "keys: a u64-keyed store takes one BigUint64Array (no offsets)");
      k.n = k.u64.length;
      return k;
    }
    k.data = TypedArg(env, info[0], napi_uint8_array, "keys data");
    k.offsets = TypedArg(env, info[1], napi_uint32_array, "keys offsets");
    if (k.offsets.length == 0) ThrowRange(env, "keys offsets must hold n+1 entries (at least [0])");
    k.n = k.offsets.length - 1;
    const auto* off = static_cast<const uint32_t*>(k.offsets.data);
    scratch_keys_.resize(k.n);
    for (size_t i = 0; i < k.n; i++) {
      if (off[i] > off[i + 1] || off[i + 1] > k.data.length) {
        ThrowRange(env, "keys offsets[" + std::to_string(i) + "]..[" + std::to_string(i + 1) + "] = " + std::to_string(off[i]) +
                            ".." + std::to_string(off[i + 1]) + " is not a range inside keys data of " +
                            std::to_string(k.data.length) + " bytes");
      }
      if (off[i + 1] - off[i] > state::kMaxKeyBytes) {
        ThrowRange(env, "key " + std::to_string(i) + " is longer than " + std::to_string(state::kMaxKeyBytes) + " bytes");
      }
      scratch_keys_[i] = std::string_view(static_cast<const char*>(k.data.data) + off[i], off[i + 1] - off[i]);
    }
    return k;
  }

  napi_typedarray_type FixedArrayType(const StateStore& st) {
    return st.options().value_kind == ValueKind::kF64 ? napi_float64_array : napi_biguint64_array;
  }

  void RequireFixed(Napi::Env env, const StateStore& st, const char* method) {
    if (!st.fixed_values()) ThrowType(env, std::string(method) + ": this store holds byte values (use getBytes / packed values)");
  }

  uint32_t FindRef(const StateStore& st, const Keys& k, size_t i) {
    return st.key_kind() == KeyKind::kU64 ? st.FindU64(static_cast<const uint64_t*>(k.u64.data)[i])
                                          : st.FindBytes(scratch_keys_[i]);
  }

  uint32_t UpsertRef(StateStore& st, const Keys& k, size_t i, bool* inserted) {
    return st.key_kind() == KeyKind::kU64 ? st.UpsertU64(static_cast<const uint64_t*>(k.u64.data)[i], inserted)
                                          : st.UpsertBytes(scratch_keys_[i], inserted);
  }

  void CheckRoom(const StateStore& st, const Keys& k) {
    if (st.key_kind() == KeyKind::kU64) {
      st.CheckRoomU64(static_cast<const uint64_t*>(k.u64.data), k.n);
    } else {
      st.CheckRoomBytes(scratch_keys_.data(), k.n);
    }
  }

  // get(keys, [offsets], outValues, outFound) -> number found
  Napi::Value Get(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      RequireFixed(env, st, "get");
      Keys k = KeysArg(env, info, st);
      View out = TypedArg(env, info[2], FixedArrayType(st), "outValues");
      View found = TypedArg(env, info[3], napi_uint8_array, "outFound");
      const size_t w = st.width();
      RequireLength(env, out, k.n * w, "outValues", "keys × width");
      RequireLength(env, found, k.n, "outFound", "one flag per key");
      for (const View* in : {&k.u64, &k.data, &k.offsets}) {
        if (Overlaps(out, *in) || Overlaps(found, *in)) ThrowRange(env, "get: output arrays must not overlap the keys");
      }
      if (Overlaps(out, found)) ThrowRange(env, "get: outValues and outFound must not overlap");
      auto* words = static_cast<uint64_t*>(out.data);
      auto* flags = static_cast<uint8_t*>(found.data);
      size_t hits = 0;
      if (st.key_kind() == KeyKind::kU64) {
        hits = st.GetU64Batch(static_cast<const uint64_t*>(k.u64.data), k.n, words, flags);
      } else {
        for (size_t i = 0; i < k.n; i++) {
          uint32_t ref = st.FindBytes(scratch_keys_[i]);
          flags[i] = ref != state::kNoRef;
          if (ref == state::kNoRef) {
            std::memset(words + i * w, 0, w * 8);
          } else {
            std::memcpy(words + i * w, st.Words(ref), w * 8);
            hits++;
          }
        }
      }
      return Napi::Number::New(env, static_cast<double>(hits));
    });
  }

  // getBytes(keys, [offsets], outFound) -> { data, offsets } (missing keys: empty + flag 0)
  Napi::Value GetBytes(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      if (st.fixed_values()) ThrowType(env, "getBytes: this store holds fixed-width values (use get)");
      Keys k = KeysArg(env, info, st);
      View found = TypedArg(env, info[2], napi_uint8_array, "outFound");
      RequireLength(env, found, k.n, "outFound", "one flag per key");
      scratch_refs_.resize(k.n);
      for (size_t i = 0; i < k.n; i++) scratch_refs_[i] = FindRef(st, k, i);
      Napi::Object packed = PackBytes(env, st, scratch_refs_.data(), k.n, false);
      auto* flags = static_cast<uint8_t*>(found.data);  // written last: PackBytes may throw
      for (size_t i = 0; i < k.n; i++) flags[i] = scratch_refs_[i] != state::kNoRef;
      return packed;
    });
  }

  // put(keys, [offsets], values, [valueOffsets])
  Napi::Value Put(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      Keys k = KeysArg(env, info, st);
      if (st.fixed_values()) {
        View vals = TypedArg(env, info[2], FixedArrayType(st), "values");
        RequireLength(env, vals, k.n * st.width(), "values", "keys × width");
        if (!IsUndefined(info, 3)) ThrowType(env, "put: value offsets apply only to stores of byte values");
        CheckRoom(st, k);
        const auto* words = static_cast<const uint64_t*>(vals.data);
        if (st.key_kind() == KeyKind::kU64) {
          st.PutU64Batch(static_cast<const uint64_t*>(k.u64.data), k.n, words);
        } else {
          const size_t w = st.width();
          for (size_t i = 0; i < k.n; i++) std::memcpy(st.Words(st.UpsertBytes(scratch_keys_[i], nullptr)), words + i * w, w * 8);
        }
        ReportMemory(env);
        return env.Undefined();
      }
      View data = TypedArg(env, info[2], napi_uint8_array, "values data");
      View offsets = TypedArg(env, info[3], napi_uint32_array, "values offsets");
      RequireLength(env, offsets, k.n + 1, "values offsets", "n+1 for n keys");
      const auto* off = static_cast<const uint32_t*>(offsets.data);
      for (size_t i = 0; i < k.n; i++) {
        if (off[i] > off[i + 1] || off[i + 1] > data.length) {
          ThrowRange(env, "values offsets[" + std::to_string(i) + "]..[" + std::to_string(i + 1) +
                              "] is not a range inside values data of " + std::to_string(data.length) + " bytes");
        }
        if (off[i + 1] - off[i] > state::kMaxValueBytes) {
          ThrowRange(env, "value " + std::to_string(i) + " is longer than " + std::to_string(state::kMaxValueBytes) + " bytes");
        }
      }
      CheckRoom(st, k);
      const char* base = static_cast<const char*>(data.data);
      for (size_t i = 0; i < k.n; i++) {
        uint32_t ref = UpsertRef(st, k, i, nullptr);
        st.SetBytesValue(ref, std::string_view(base + off[i], off[i + 1] - off[i]));
      }
      ReportMemory(env);
      return env.Undefined();
    });
  }

  // delete(keys, [offsets], [outFound]) -> number deleted
  Napi::Value Delete(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      Keys k = KeysArg(env, info, st);
      uint8_t* flags = nullptr;
      if (!IsUndefined(info, 2)) {
        View found = TypedArg(env, info[2], napi_uint8_array, "outFound");
        RequireLength(env, found, k.n, "outFound", "one flag per key");
        flags = static_cast<uint8_t*>(found.data);
      }
      size_t hits = 0;
      if (st.key_kind() == KeyKind::kU64) {
        hits = st.DeleteU64Batch(static_cast<const uint64_t*>(k.u64.data), k.n, flags);
      } else {
        for (size_t i = 0; i < k.n; i++) {
          bool hit = st.EraseBytes(scratch_keys_[i]);
          if (flags) flags[i] = hit;
          hits += hit;
        }
      }
      return Napi::Number::New(env, static_cast<double>(hits));
    });
  }

  // upsertSlots(keys, [offsets], outSlots, [outInserted]) -> number inserted
  Napi::Value UpsertSlots(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      RequireFixed(env, st, "upsertSlots");
      Keys k = KeysArg(env, info, st);
      View slots = TypedArg(env, info[2], napi_uint32_array, "outSlots");
      RequireLength(env, slots, k.n, "outSlots", "one slot per key");
      uint8_t* flags = nullptr;
      if (!IsUndefined(info, 3)) {
        View ins = TypedArg(env, info[3], napi_uint8_array, "outInserted");
        RequireLength(env, ins, k.n, "outInserted", "one flag per key");
        flags = static_cast<uint8_t*>(ins.data);
      }
      for (const View* in : {&k.u64, &k.data, &k.offsets}) {
        if (Overlaps(slots, *in)) ThrowRange(env, "upsertSlots: outSlots must not overlap the keys");
      }
      auto* out = static_cast<uint32_t*>(slots.data);
      size_t inserts = 0;
      if (st.key_kind() == KeyKind::kU64) {
        inserts = st.UpsertRefsU64(static_cast<const uint64_t*>(k.u64.data), k.n, out, flags);
      } else {
        CheckRoom(st, k);
        for (size_t i = 0; i < k.n; i++) {
          bool ins = false;
          out[i] = st.UpsertBytes(scratch_keys_[i], &ins);
          if (flags) flags[i] = ins;
          inserts += ins;
        }
      }
      ReportMemory(env);
      return Napi::Number::New(env, static_cast<double>(inserts));
    });
  }

  uint32_t FindOne(Napi::Env env, const StateStore& st, Napi::Value key) {
    if (st.key_kind() == KeyKind::kU64) return st.FindU64(U64Scalar(env, key, "key"));
    std::string holder;
    return st.FindBytes(BytesScalar(env, key, &holder, "key"));
  }

  Napi::Value GetOne(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      const ValueKind vk = st.options().value_kind;
      const uint64_t* words = nullptr;
      if (st.key_kind() == KeyKind::kU64 && vk != ValueKind::kBytes) {
        words = st.FindValueU64(U64Scalar(env, info[0], "key"));  // by key: keeps inline values inline
        if (words == nullptr) return env.Undefined();
      } else {
        uint32_t ref = FindOne(env, st, info[0]);
        if (ref == state::kNoRef) return env.Undefined();
        if (vk == ValueKind::kBytes) {
          std::string_view v = st.BytesValue(ref);
          Napi::Uint8Array out = Napi::Uint8Array::New(env, v.size());
          if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size());
          return out;
        }
        words = st.Words(ref);
      }
      if (st.width() == 1) {
        if (vk == ValueKind::kF64) {
          double d;
          std::memcpy(&d, words, 8);
          return Napi::Number::New(env, d);
        }
        return Napi::BigInt::New(env, words[0]);
      }
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, size_t{st.width()} * 8);
      std::memcpy(ab.Data(), words, size_t{st.width()} * 8);
      if (vk == ValueKind::kF64) return Napi::Float64Array::New(env, st.width(), ab, 0);
      return Napi::TypedArrayOf<uint64_t>::New(env, st.width(), ab, 0, napi_biguint64_array);
    });
  }

  Napi::Value PutOne(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      const ValueKind vk = st.options().value_kind;
      // Parse key and value completely before inserting, so a bad value inserts nothing.
      uint64_t u64_key = 0;
      std::string key_holder;
      std::string_view bytes_key;
      if (st.key_kind() == KeyKind::kU64) {
        u64_key = U64Scalar(env, info[0], "key");
      } else {
        bytes_key = BytesScalar(env, info[0], &key_holder, "key");
        if (bytes_key.size() > state::kMaxKeyBytes) ThrowRange(env, "key is longer than " + std::to_string(state::kMaxKeyBytes) + " bytes");
      }
      Napi::Value v = info.Length() > 1 ? info[1] : env.Undefined();
      std::string value_holder;
      std::string_view bytes_value;
      uint64_t single = 0;
      const uint64_t* words = &single;
      if (vk == ValueKind::kBytes) {
        bytes_value = BytesScalar(env, v, &value_holder, "value");
        if (bytes_value.size() > state::kMaxValueBytes) ThrowRange(env, "value is longer than " + std::to_string(state::kMaxValueBytes) + " bytes");
      } else if (st.width() > 1) {
        View arr = TypedArg(env, v, FixedArrayType(st), "value");
        RequireLength(env, arr, st.width(), "value", "the store's width");
        words = static_cast<const uint64_t*>(arr.data);
      } else if (vk == ValueKind::kF64) {
        if (!v.IsNumber()) ThrowType(env, "value must be a number for an f64 store");
        double d = v.As<Napi::Number>().DoubleValue();
        std::memcpy(&single, &d, 8);
      } else {
        single = U64Scalar(env, v, "value");
      }
      if (vk == ValueKind::kBytes) {
        uint32_t ref = st.key_kind() == KeyKind::kU64 ? st.UpsertU64(u64_key, nullptr) : st.UpsertBytes(bytes_key, nullptr);
        st.SetBytesValue(ref, bytes_value);
      } else {
        uint64_t* dst = st.key_kind() == KeyKind::kU64 ? st.UpsertValueU64(u64_key, nullptr) : st.Words(st.UpsertBytes(bytes_key, nullptr));
        std::memcpy(dst, words, size_t{st.width()} * 8);
      }
      ReportMemory(env);
      return env.Undefined();
    });
  }

  Napi::Value DeleteOne(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      if (st.key_kind() == KeyKind::kU64) return Napi::Boolean::New(env, st.EraseU64(U64Scalar(env, info[0], "key")));
      std::string holder;
      return Napi::Boolean::New(env, st.EraseBytes(BytesScalar(env, info[0], &holder, "key")));
    });
  }

  Napi::Value HasOne(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      return Napi::Boolean::New(env, FindOne(env, st, info[0]) != state::kNoRef);
    });
  }

  // scan(lo, hi, limit) for u64 keys (inclusive range) / scan(prefix, undefined, limit) for bytes
  // -> { keys, keyOffsets?, values, valueOffsets? } in key order
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      size_t limit = SIZE_MAX;
      if (!IsUndefined(info, 2)) limit = static_cast<size_t>(U64Scalar(env, info[2], "limit"));
      std::vector<uint32_t> refs;
      std::vector<uint64_t> scan_keys;
      Napi::Object r = Napi::Object::New(env);
      if (st.key_kind() == KeyKind::kU64) {
        uint64_t lo = U64Scalar(env, info[0], "lo");
        uint64_t hi = U64Scalar(env, info[1], "hi");
        st.ScanU64(lo, hi, limit, &refs, &scan_keys);
        auto out = Napi::TypedArrayOf<uint64_t>::New(env, scan_keys.size(), napi_biguint64_array);
        if (!scan_keys.empty()) std::memcpy(out.Data(), scan_keys.data(), scan_keys.size() * 8);
        r.Set("keys", out);
      } else {
        std::string holder;
        std::string_view prefix = BytesScalar(env, info[0], &holder, "prefix");
        st.ScanPrefix(prefix, limit, &refs);
        Napi::Object packed = PackBytes(env, st, refs.data(), refs.size(), true);
        r.Set("keys", packed.Get("data"));
        r.Set("keyOffsets", packed.Get("offsets"));
      }
      if (st.fixed_values()) {
        const size_t w = st.width();
        Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, refs.size() * w * 8);
        auto* dst = static_cast<uint64_t*>(ab.Data());
        for (size_t i = 0; i < refs.size(); i++) {
          // u64 keys by key (keeps inline values inline); byte keys are never inline.
          const uint64_t* words = st.key_kind() == KeyKind::kU64 ? st.FindValueU64(scan_keys[i]) : st.Words(refs[i]);
          std::memcpy(dst + i * w, words, w * 8);
        }
        if (st.options().value_kind == ValueKind::kF64) {
          r.Set("values", Napi::Float64Array::New(env, refs.size() * w, ab, 0));
        } else {
          r.Set("values", Napi::TypedArrayOf<uint64_t>::New(env, refs.size() * w, ab, 0, napi_biguint64_array));
        }
      } else {
        Napi::Object packed = PackBytes(env, st, refs.data(), refs.size(), false);
        r.Set("values", packed.Get("data"));
        r.Set("valueOffsets", packed.Get("offsets"));
      }
      return r;
    });
  }

  // An ArrayBuffer over the value region (zero copy), covering every slot handed out so far.
  // The region never moves; the finalizer keeps its memory mapped while any view is alive.
  Napi::Value ValuesBuffer(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      RequireFixed(env, st, "valuesBuffer");
      const state::ValueRegion* region = st.values();
      const size_t bytes = region->committed_bytes();
      if (bytes == 0) return Napi::ArrayBuffer::New(env, 0);
      auto* keep = new std::shared_ptr<state::RegionMemory>(region->memory());
      return Napi::ArrayBuffer::New(
          env, region->memory()->base(), bytes,
          [](Napi::Env, void*, std::shared_ptr<state::RegionMemory>* hint) { delete hint; }, keep);
    });
  }

  // Bytes a fresh valuesBuffer() would cover: lets JS refresh its view only when the region grew.
  Napi::Value ValuesBytes(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      RequireFixed(env, st, "valuesBytes");
      return Napi::Number::New(env, static_cast<double>(st.values()->committed_bytes()));
    });
  }

  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      if (IsUndefined(info, 0) || !info[0].IsString()) ThrowType(env, "snapshot: path must be a string");
      uint64_t bytes = state::WriteSnapshot(st, info[0].As<Napi::String>().Utf8Value());
      return Napi::Number::New(env, static_cast<double>(bytes));
    });
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      return Napi::Number::New(env, static_cast<double>(st.size()));
    });
  }

  Napi::Value Memory(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      state::MemoryStats m = st.Memory();
      Napi::Object o = Napi::Object::New(env);
      o.Set("entries", static_cast<double>(m.entries));
      o.Set("tableBytes", static_cast<double>(m.table_bytes));
      o.Set("valueBytes", static_cast<double>(m.value_bytes));
      o.Set("arenaBytes", static_cast<double>(m.arena_bytes));
      o.Set("arenaDeadBytes", static_cast<double>(m.arena_dead_bytes));
      o.Set("metaBytes", static_cast<double>(m.meta_bytes));
      o.Set("indexBytes", static_cast<double>(m.index_bytes));
      o.Set("totalBytes", static_cast<double>(m.total));
      return o;
    });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      const state::StoreOptions& so = st.options();
      Napi::Object o = Napi::Object::New(env);
      o.Set("keys", KeyKindName(so.key_kind));
      o.Set("values", ValueKindName(so.value_kind));
      o.Set("width", static_cast<double>(so.width));
      o.Set("ordered", so.ordered);
      o.Set("maxEntries", static_cast<double>(so.max_entries));
      return o;
    });
  }

  Napi::Value Clear(const Napi::CallbackInfo& info) {
    return Guard(info, [&](Napi::Env env, StateStore& st) -> Napi::Value {
      st.Clear();
      ReportMemory(env);
      return env.Undefined();
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    store_.reset();  // closing twice is harmless
    ReleaseMemory(info.Env());
    return info.Env().Undefined();
  }

  std::unique_ptr<StateStore> store_;
  FastKind fast_kind_ = FastKind::kNone;
  FastPath<StoreWrap>::CellRef fast_cell_ = std::make_shared<FastPath<StoreWrap>::Cell>();
  std::vector<std::string_view> scratch_keys_;
  std::vector<uint32_t> scratch_refs_;
  int64_t reported_bytes_ = 0;
};

}  // namespace

void InitStateStore(Napi::Env env, Napi::Object exports) { exports.Set("NativeStateStore", StoreWrap::Define(env)); }

}  // namespace laminar
