#include "wal/crc32c.h"

#include <cstring>

namespace laminar::wal {

namespace {
struct Table {
  uint32_t t[8][256];
  Table() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};
const Table& Tables() {
  static const Table table;
  return table;
}

uint32_t Software(uint32_t crc, const uint8_t* p, size_t len) {
  const auto& t = Tables().t;
  while (len >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= crc;
    crc = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
          t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    len -= 8;
  }
  while (len--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Hardware(uint32_t crc, const uint8_t* p, size_t len) {
  uint64_t c = crc;
  while (len >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
    p += 8;
    len -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (len--) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}
bool DetectHardware() { return __builtin_cpu_supports("sse4.2"); }
#else
uint32_t Hardware(uint32_t crc, const uint8_t* p, size_t len) { return Software(crc, p, len); }
bool DetectHardware() { return false; }
#endif

const bool kHardware = DetectHardware();
}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t len) {
  auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  crc = kHardware ? Hardware(crc, p, len) : Software(crc, p, len);
  return ~crc;
}

bool Crc32cHardware() { return kHardware; }

}  // namespace laminar::wal
