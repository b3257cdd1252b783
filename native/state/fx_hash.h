// FxHash (the rustc hasher): one rotate, xor and multiply per 8-byte word. Not DoS resistant, but
// two to four times cheaper than SipHash/xxHash on short keys, which is what state keys are.
// Table indices take the HIGH bits of the hash (Fibonacci hashing): the final multiply mixes every
// input bit into the top bits, while the low bits of k * K depend only on the low bits of k.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace laminar::state {

constexpr uint64_t kFxSeed = 0x517cc1b727220a95ULL;

inline uint64_t FxRotl5(uint64_t h) { return (h << 5) | (h >> 59); }

inline uint64_t FxAddWord(uint64_t h, uint64_t word) { return (FxRotl5(h) ^ word) * kFxSeed; }

/** Hash of a u64 key (a single FxHash round from a zero state). */
inline uint64_t FxHashU64(uint64_t key) { return key * kFxSeed; }

/** Hash of a byte string; the length is mixed in so "a" and "a\0" differ. */
inline uint64_t FxHashBytes(const uint8_t* data, size_t len) {
  uint64_t h = 0;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = FxAddWord(h, w);
  }
  if (i < len) {
    uint64_t w = 0;
    std::memcpy(&w, data + i, len - i);
    h = FxAddWord(h, w);
  }
  return FxAddWord(h, static_cast<uint64_t>(len));
}

}  // namespace laminar::state
