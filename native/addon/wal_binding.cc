#include "addon/modules.h"

namespace laminar {
void InitWal(Napi::Env env, Napi::Object exports) {}
}  // namespace laminar
