// Addon entry point: one module, components registered side by side.
#include "addon/modules.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  laminar::InitStateStore(env, exports);
  laminar::InitRing(env, exports);
  laminar::InitWal(env, exports);
  laminar::InitSys(env, exports);
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}
}  // namespace

NODE_API_MODULE(laminardb, Init)
