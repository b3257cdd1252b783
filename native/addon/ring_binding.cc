#include "addon/modules.h"

namespace laminar {
void InitRing(Napi::Env env, Napi::Object exports) {}
}  // namespace laminar
