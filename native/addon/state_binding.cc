#include "addon/modules.h"

namespace laminar {
void InitStateStore(Napi::Env env, Napi::Object exports) {}
}  // namespace laminar
