#include "addon/modules.h"

namespace laminar {
void InitSys(Napi::Env env, Napi::Object exports) {}
}  // namespace laminar
