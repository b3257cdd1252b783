// CRC-32C (Castagnoli), as used by iSCSI, ext4 and most WALs. Hardware (SSE4.2) when the CPU has
// it, chosen at runtime, so one binary runs everywhere.
#pragma once
#include <cstddef>
#include <cstdint>

namespace laminar::wal {

/** Extends `crc` (0 to start) with `len` bytes. Crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t Crc32c(uint32_t crc, const void* data, size_t len);
/** Whether the hardware path is in use (for benchmarks and tests). */
bool Crc32cHardware();

}  // namespace laminar::wal
