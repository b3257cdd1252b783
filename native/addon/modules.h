// Each native component registers its JS-facing functions on the addon's exports.
#pragma once
#include <napi.h>

namespace laminar {
void InitStateStore(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitWal(Napi::Env env, Napi::Object exports);
void InitSys(Napi::Env env, Napi::Object exports);
}  // namespace laminar
