// Single-key getOne/putOne/hasOne as raw N-API callbacks (used by state_binding.cc).
//
// A single-key call is dominated by the boundary once the lookup is one cache miss: node-addon-api's
// method wrapper (CallbackInfo, Unwrap, try/catch) plus a typeof and a conversion cost ~60 ns.
// The common case — a number key on a u64-keyed store of one-word values — is served here with
// one napi_get_cb_info, one napi_get_value_double (which fails cleanly on a non-number, so no
// typeof) and one result conversion. napi_unwrap (a private-symbol property lookup, a third of
// the call in a profile) is avoided too: each store gets its own three function objects, own
// properties of the handle that shadow nothing, whose data is a cell pointing at the store's
// wrapper (cleared when the wrapper dies, freed when the function is collected). Every other
// case (bigint keys, byte keys, wide or byte values, unsafe integers, a closed store) goes to the
// general method, which validates and throws exactly as before.
#pragma once
#include <napi.h>

#include <cstring>
#include <memory>
#include <new>

#include "addon/state_args.h"
#include "state/hash_store.h"

namespace laminar::state_napi {

/** What the fast path can serve for a store: nothing, or a width-1 store of f64 / u64 values. */
enum class FastKind : uint8_t { kNone, kF64, kU64 };

inline FastKind FastKindOf(const state::StateStore& st) {
  if (st.key_kind() != KeyKind::kU64 || st.width() != 1) return FastKind::kNone;
  if (st.options().value_kind == ValueKind::kF64) return FastKind::kF64;
  if (st.options().value_kind == ValueKind::kU64) return FastKind::kU64;
  return FastKind::kNone;
}

// A non-negative integer a double holds exactly (what U64Scalar accepts from a number).
inline bool SafeKey(double d) { return d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<uint64_t>(d)); }

/**
 * Wrap must offer: `state::StateStore* OpenStore()` (null if closed), `FastKind fast_kind() const`,
 * `void AfterInsert(Napi::Env)`, and the general methods GetOne, PutOne, HasOne.
 */
template <class Wrap>
struct FastPath {
  using Method = Napi::Value (Wrap::*)(const Napi::CallbackInfo&);
  /** The wrapper a store's functions serve; null once the wrapper is gone. */
  struct Cell {
    Wrap* wrap = nullptr;
  };
  using CellRef = std::shared_ptr<Cell>;

  // The general method, with node-addon-api's exception translation.
  static napi_value General(napi_env env, napi_callback_info cbi, Wrap* w, Method m) {
    try {
      Napi::CallbackInfo info(env, cbi);
      if (w == nullptr) {
        Napi::Error err = Napi::Error::New(env, "the state store is closed");
        err.Set("code", Napi::String::New(env, "CLOSED"));
        throw err;
      }
      return (w->*m)(info);
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
      return nullptr;
    }
  }

  // Reads up to two arguments and the wrapper; the store when the fast path applies, else null.
  static state::StateStore* Prepare(napi_env env, napi_callback_info cbi, size_t want, napi_value* argv, Wrap** w,
                                    double* key) {
    size_t argc = want;  // missing arguments read as undefined, which fails the number check
    void* data = nullptr;
    if (napi_get_cb_info(env, cbi, &argc, argv, nullptr, &data) != napi_ok || data == nullptr) return nullptr;
    *w = (*static_cast<CellRef*>(data))->wrap;
    if (*w == nullptr || (*w)->fast_kind() == FastKind::kNone) return nullptr;
    if (napi_get_value_double(env, argv[0], key) != napi_ok || !SafeKey(*key)) return nullptr;
    return (*w)->OpenStore();
  }

  static napi_value GetOne(napi_env env, napi_callback_info cbi) {
    napi_value argv[1];
    Wrap* w = nullptr;
    double key;
    state::StateStore* st = Prepare(env, cbi, 1, argv, &w, &key);
    if (st == nullptr) return General(env, cbi, w, &Wrap::GetOne);
    const uint64_t* v = st->FindValueU64(static_cast<uint64_t>(key));
    napi_value out;
    if (v == nullptr) {
      napi_get_undefined(env, &out);
    } else if (w->fast_kind() == FastKind::kF64) {
      double d;
      std::memcpy(&d, v, 8);
      napi_create_double(env, d, &out);
    } else {
      napi_create_bigint_uint64(env, *v, &out);
    }
    return out;
  }

  static napi_value HasOne(napi_env env, napi_callback_info cbi) {
    napi_value argv[1];
    Wrap* w = nullptr;
    double key;
    state::StateStore* st = Prepare(env, cbi, 1, argv, &w, &key);
    if (st == nullptr) return General(env, cbi, w, &Wrap::HasOne);
    napi_value out;
    napi_get_boolean(env, st->FindValueU64(static_cast<uint64_t>(key)) != nullptr, &out);
    return out;
  }

  // Fast only for an f64 store and a number value (u64 stores take bigint values: general path).
  static napi_value PutOne(napi_env env, napi_callback_info cbi) {
    napi_value argv[2];
    Wrap* w = nullptr;
    double key;
    double value;
    state::StateStore* st = Prepare(env, cbi, 2, argv, &w, &key);
    if (st == nullptr || w->fast_kind() != FastKind::kF64 || napi_get_value_double(env, argv[1], &value) != napi_ok) {
      return General(env, cbi, w, &Wrap::PutOne);
    }
    try {
      bool inserted = false;
      uint64_t* dst = st->UpsertValueU64(static_cast<uint64_t>(key), &inserted);
      std::memcpy(dst, &value, 8);
      if (inserted) w->AfterInsert(Napi::Env(env));
    } catch (const StateError& e) {
      try {
        ThrowStateError(Napi::Env(env), e);
      } catch (const Napi::Error& err) {
        err.ThrowAsJavaScriptException();
      }
      return nullptr;
    } catch (const std::bad_alloc&) {
      Napi::RangeError::New(env, "state store: out of memory").ThrowAsJavaScriptException();
      return nullptr;
    }
    napi_value out;
    napi_get_undefined(env, &out);
    return out;
  }

  /** Gives the handle `self` its own getOne, putOne and hasOne, serving `cell`'s wrapper. */
  static void Attach(Napi::Env env, Napi::Object self, const CellRef& cell) {
    const std::pair<const char*, napi_callback> methods[] = {{"getOne", &GetOne}, {"putOne", &PutOne}, {"hasOne", &HasOne}};
    for (const auto& [name, cb] : methods) {
      auto* data = new CellRef(cell);
      napi_value fn;
      napi_status st = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn);
      if (st == napi_ok) {
        st = napi_add_finalizer(
            env, fn, data, [](napi_env, void* d, void*) { delete static_cast<CellRef*>(d); }, nullptr, nullptr);
      }
      if (st != napi_ok) delete data;
      NAPI_THROW_IF_FAILED_VOID(env, st);
      const napi_property_descriptor prop = {name, nullptr, nullptr, nullptr, nullptr, fn, napi_default, nullptr};
      NAPI_THROW_IF_FAILED_VOID(env, napi_define_properties(env, self, 1, &prop));
    }
  }
};

}  // namespace laminar::state_napi
