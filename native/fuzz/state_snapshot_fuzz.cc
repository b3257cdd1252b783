// libFuzzer target for the state snapshot loader: any input must either load into a consistent
// store or throw StateError; never crash, hang or read out of bounds.
//
// Input byte 0 picks a mode: odd = "reseal" (the rest is a snapshot whose body length and both
// CRCs are recomputed first, so the fuzzer reaches the body parser instead of stopping at a
// checksum), even = the rest is loaded as is.
#include <cstdint>
#include <cstring>
#include <vector>

// The state sources are compiled into this file (not taken from laminar_core) so that they get
// the fuzzer's coverage instrumentation: the core library is built without it. Every symbol is
// then defined here, so the linker pulls nothing from the archive and nothing is duplicated.
#include "state/big_array.cc"
#include "state/checksum.cc"
#include "state/hash_store.cc"
#include "state/snapshot.cc"
#include "state/value_region.cc"

using namespace laminar::state;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool reseal = (data[0] & 1) != 0;
  std::vector<uint8_t> buf(data + 1, data + size);  // exact size: ASan sees any overread
  if (reseal && buf.size() >= kSnapshotHeaderBytes) {
    uint64_t body_len = buf.size() - kSnapshotHeaderBytes;
    std::memcpy(buf.data() + 32, &body_len, 8);
    uint32_t body_crc = Crc32c(buf.data() + kSnapshotHeaderBytes, body_len);
    std::memcpy(buf.data() + 40, &body_crc, 4);
    uint32_t head_crc = Crc32c(buf.data(), 60);
    std::memcpy(buf.data() + 60, &head_crc, 4);
  }
  try {
    auto store = LoadSnapshotBytes(buf.data(), buf.size(), 1 << 16);
    // A loaded store must be internally consistent: every entry is found under its own key.
    size_t seen = 0;
    store->ForEach([&](uint64_t key_or_hash, uint32_t ref) {
      seen++;
      uint32_t found = store->key_kind() == KeyKind::kU64 ? store->FindU64(key_or_hash) : store->FindBytes(store->BytesKey(ref));
      if (found != ref) __builtin_trap();
    });
    if (seen != store->size()) __builtin_trap();
  } catch (const StateError&) {
  }
  return 0;
}
