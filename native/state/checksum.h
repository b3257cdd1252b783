// CRC32C (Castagnoli) for snapshot files. The state store keeps its own copy so it does not depend
// on the WAL's build order; both compute the same standard function (check value of "123456789"
// is 0xE3069283).
#pragma once
#include <cstddef>
#include <cstdint>

namespace laminar::state {

/** Extends `crc` (0 for a fresh checksum) over `len` bytes. */
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t len);

inline uint32_t Crc32c(const void* data, size_t len) { return Crc32cExtend(0, data, len); }

}  // namespace laminar::state
