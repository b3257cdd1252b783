// Unit tests of the native state store's hash map (native/state/hash_store.*).
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "state/checksum.h"
#include "state/hash_store.h"
#include "state/state_error.h"
#include "test/check.h"

using namespace laminar::state;

namespace {

StoreOptions U64Opts(uint32_t width = 1, bool ordered = false) {
  StoreOptions o;
  o.key_kind = KeyKind::kU64;
  o.value_kind = ValueKind::kF64;
  o.width = width;
  o.ordered = ordered;
  return o;
}

StoreOptions BytesOpts(ValueKind values, bool ordered = false) {
  StoreOptions o;
  o.key_kind = KeyKind::kBytes;
  o.value_kind = values;
  o.width = values == ValueKind::kBytes ? 0 : 1;
  o.ordered = ordered;
  return o;
}

template <class Fn>
std::string ThrownCode(Fn&& fn) {
  try {
    fn();
  } catch (const StateError& e) {
    return e.code();
  }
  return "";
}

}  // namespace

TEST(crc32c_matches_the_standard_check_value) {
  CHECK_EQ(Crc32c("123456789", 9), 0xE3069283u);
  CHECK_EQ(Crc32c("", 0), 0u);
  // Extending in pieces equals one pass (hardware and table paths meet on odd lengths too).
  std::string s(1000, 'x');
  for (size_t i = 0; i < s.size(); i++) s[i] = static_cast<char>(i * 7);
  uint32_t whole = Crc32c(s.data(), s.size());
  uint32_t parts = Crc32cExtend(Crc32cExtend(0, s.data(), 333), s.data() + 333, s.size() - 333);
  CHECK_EQ(whole, parts);
}

TEST(u64_put_get_delete_single) {
  StateStore st(U64Opts());
  CHECK_EQ(st.FindU64(42), kNoRef);
  bool inserted = false;
  uint32_t ref = st.UpsertU64(42, &inserted);
  CHECK(inserted);
  *st.Words(ref) = 7;
  CHECK_EQ(st.FindU64(42), ref);
  CHECK_EQ(*st.Words(st.FindU64(42)), 7u);
  CHECK_EQ(st.UpsertU64(42, &inserted), ref);
  CHECK(!inserted);
  CHECK_EQ(st.size(), 1u);
  CHECK(st.EraseU64(42));
  CHECK(!st.EraseU64(42));
  CHECK_EQ(st.size(), 0u);
  CHECK_EQ(st.FindU64(42), kNoRef);
  // Key 0 and the largest key are ordinary keys.
  st.UpsertU64(0, nullptr);
  st.UpsertU64(UINT64_MAX, nullptr);
  CHECK(st.FindU64(0) != kNoRef);
  CHECK(st.FindU64(UINT64_MAX) != kNoRef);
  CHECK_EQ(st.FindU64(1), kNoRef);
}

TEST(reused_refs_start_from_zero_values) {
  StateStore st(U64Opts(3));
  uint32_t a = st.UpsertU64(1, nullptr);
  st.Words(a)[0] = 11;
  st.Words(a)[2] = 13;
  st.EraseU64(1);
  uint32_t b = st.UpsertU64(2, nullptr);
  CHECK_EQ(a, b);  // the free list hands the slot back
  CHECK_EQ(st.Words(b)[0], 0u);
  CHECK_EQ(st.Words(b)[2], 0u);
}

// Random operations against std::unordered_map, with enough deletes to exercise backward shift
// across wrapped clusters and enough inserts to force several rehashes.
TEST(u64_random_ops_match_a_reference_map) {
  StateStore st(U64Opts(2));
  std::unordered_map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(12345);
  for (int step = 0; step < 300000; step++) {
    uint64_t key = rng() % 20000;
    if (step % 7 == 0) key = key << 50;  // high-bit keys: different hash clusters
    int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      uint32_t r = st.UpsertU64(key, nullptr);
      st.Words(r)[0] = step;
      st.Words(r)[1] = key;
      ref[key] = step;
    } else if (op < 8) {
      bool had = ref.erase(key) > 0;
      if (st.EraseU64(key) != had) {
        CHECK(false);
        return;
      }
    } else {
      uint32_t r = st.FindU64(key);
      auto it = ref.find(key);
      if ((r == kNoRef) != (it == ref.end()) || (r != kNoRef && (st.Words(r)[0] != it->second || st.Words(r)[1] != key))) {
        CHECK(false);
        return;
      }
    }
  }
  CHECK_EQ(st.size(), ref.size());
  size_t seen = 0;
  st.ForEach([&](uint64_t key, uint32_t r) {
    seen++;
    auto it = ref.find(key);
    CHECK(it != ref.end() && st.Words(r)[0] == it->second);
  });
  CHECK_EQ(seen, ref.size());
}

TEST(u64_batches_get_put_delete_upsert_refs) {
  StateStore st(U64Opts(2));
  const size_t n = 5000;
  std::vector<uint64_t> keys(n), words(n * 2);
  for (size_t i = 0; i < n; i++) {
    keys[i] = i * 2654435761ULL;
    words[2 * i] = i;
    words[2 * i + 1] = i + 1;
  }
  st.PutU64Batch(keys.data(), n, words.data());
  CHECK_EQ(st.size(), n);
  std::vector<uint64_t> probe = {keys[0], 999999999999ULL, keys[n - 1]};
  std::vector<uint64_t> out(probe.size() * 2, 77);
  std::vector<uint8_t> found(probe.size(), 9);
  CHECK_EQ(st.GetU64Batch(probe.data(), probe.size(), out.data(), found.data()), 2u);
  CHECK_EQ(found[0], 1);
  CHECK_EQ(found[1], 0);
  CHECK_EQ(found[2], 1);
  CHECK_EQ(out[0], 0u);
  CHECK_EQ(out[1], 1u);
  CHECK_EQ(out[2], 0u);  // missing keys read as zero words
  CHECK_EQ(out[3], 0u);
  CHECK_EQ(out[4], n - 1);
  CHECK_EQ(out[5], n);
  // Upserting the same key twice in one batch gives one entry and the same ref.
  std::vector<uint64_t> up = {1, 2, 1, keys[5]};
  std::vector<uint32_t> refs(up.size());
  std::vector<uint8_t> ins(up.size());
  CHECK_EQ(st.UpsertRefsU64(up.data(), up.size(), refs.data(), ins.data()), 2u);
  CHECK_EQ(refs[0], refs[2]);
  CHECK_EQ(ins[0], 1);
  CHECK_EQ(ins[2], 0);
  CHECK_EQ(ins[3], 0);
  CHECK_EQ(st.Words(refs[3])[0], 5u);
  std::vector<uint8_t> del_found(3);
  std::vector<uint64_t> del = {1, 1, 3};
  CHECK_EQ(st.DeleteU64Batch(del.data(), del.size(), del_found.data()), 1u);
  CHECK_EQ(del_found[0], 1);
  CHECK_EQ(del_found[1], 0);
  CHECK_EQ(del_found[2], 0);
  CHECK_EQ(st.size(), n + 1);
}

TEST(max_entries_is_enforced_without_partial_batches) {
  StoreOptions o = U64Opts();
  o.max_entries = 4;
  StateStore st(o);
  std::vector<uint64_t> keys = {1, 2, 3};
  std::vector<uint64_t> vals = {10, 20, 30};
  st.PutU64Batch(keys.data(), 3, vals.data());
  // Two new keys (4, 5) do not fit: nothing of the batch may be applied.
  std::vector<uint64_t> more = {1, 4, 5};
  std::vector<uint64_t> more_vals = {100, 40, 50};
  CHECK_EQ(ThrownCode([&] { st.PutU64Batch(more.data(), 3, more_vals.data()); }), std::string("CAPACITY"));
  CHECK_EQ(st.size(), 3u);
  CHECK_EQ(*st.Words(st.FindU64(1)), 10u);
  // Updates of existing keys plus one new key (repeated) fit.
  std::vector<uint64_t> fits = {1, 2, 4, 4};
  std::vector<uint64_t> fits_vals = {1, 2, 4, 44};
  st.PutU64Batch(fits.data(), 4, fits_vals.data());
  CHECK_EQ(st.size(), 4u);
  CHECK_EQ(*st.Words(st.FindU64(4)), 44u);
  CHECK_EQ(ThrownCode([&] { st.UpsertU64(9, nullptr); }), std::string("CAPACITY"));
  CHECK(st.EraseU64(4));
  st.UpsertU64(9, nullptr);
  CHECK_EQ(st.size(), 4u);
}

TEST(invalid_options_are_rejected) {
  StoreOptions o = U64Opts(0);
  CHECK_EQ(ThrownCode([&] { StateStore s(o); }), std::string("INVALID_ARGUMENT"));
  o.width = kMaxWidth + 1;
  CHECK_EQ(ThrownCode([&] { StateStore s(o); }), std::string("INVALID_ARGUMENT"));
  StoreOptions b = BytesOpts(ValueKind::kBytes);
  b.width = 4;
  CHECK_EQ(ThrownCode([&] { StateStore s(b); }), std::string("INVALID_ARGUMENT"));
  StoreOptions big = U64Opts();
  big.max_entries = kMaxEntriesLimit + 1;
  CHECK_EQ(ThrownCode([&] { StateStore s(big); }), std::string("INVALID_ARGUMENT"));
}

TEST(byte_keys_and_values_match_a_reference_map) {
  StateStore st(BytesOpts(ValueKind::kBytes));
  std::map<std::string, std::string> ref;
  std::mt19937_64 rng(99);
  for (int step = 0; step < 100000; step++) {
    std::string key = std::string("k").append(std::to_string(rng() % 3000));
    if (step % 11 == 0) key.push_back('\0');  // embedded NUL: lengths, not C strings
    int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      std::string value(rng() % 40, static_cast<char>('a' + step % 26));
      uint32_t r = st.UpsertBytes(key, nullptr);
      st.SetBytesValue(r, value);
      ref[key] = value;
    } else if (op < 8) {
      bool had = ref.erase(key) > 0;
      if (st.EraseBytes(key) != had) {
        CHECK(false);
        return;
      }
    } else {
      uint32_t r = st.FindBytes(key);
      auto it = ref.find(key);
      if ((r == kNoRef) != (it == ref.end()) || (r != kNoRef && st.BytesValue(r) != it->second)) {
        CHECK(false);
        return;
      }
    }
  }
  CHECK_EQ(st.size(), ref.size());
  for (auto& [k, v] : ref) CHECK(st.FindBytes(k) != kNoRef && st.BytesValue(st.FindBytes(k)) == v);
  CHECK(st.Memory().arena_bytes > 0);
  CHECK_EQ(st.FindBytes(""), kNoRef);
  uint32_t empty = st.UpsertBytes("", nullptr);
  CHECK_EQ(st.FindBytes(""), empty);
  CHECK_EQ(st.BytesValue(empty).size(), 0u);
}

TEST(arena_is_compacted_when_mostly_dead) {
  StateStore st(BytesOpts(ValueKind::kBytes));
  const std::string big(4096, 'v');
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < 500; i++) {
      uint32_t r = st.UpsertBytes(std::string("key").append(std::to_string(i)), nullptr);
      st.SetBytesValue(r, big + std::to_string(round));  // grows: old bytes die
    }
  }
  MemoryStats m = st.Memory();
  // Without compaction 4 rounds × 500 × 4 KiB = 8 MiB would be held; live data is ~2 MiB.
  CHECK(m.arena_bytes < 6u * 1024 * 1024);
  for (int i = 0; i < 500; i += 97) CHECK(st.BytesValue(st.FindBytes("key" + std::to_string(i))) == big + "3");
  // Copying a value from one entry to another (a view into the arena) survives reallocation.
  uint32_t a = st.FindBytes("key1");
  uint32_t b = st.UpsertBytes("copy", nullptr);
  std::string expected(st.BytesValue(a));
  st.SetBytesValue(b, st.BytesValue(a));
  CHECK(st.BytesValue(b) == expected);
}

TEST(u64_range_scan_ordered_and_unordered_agree) {
  for (bool ordered : {true, false}) {
    StateStore st(U64Opts(1, ordered));
    for (uint64_t k = 0; k < 1000; k += 3) *st.Words(st.UpsertU64(k, nullptr)) = k * 10;
    st.EraseU64(30);
    std::vector<uint32_t> refs;
    std::vector<uint64_t> keys;
    st.ScanU64(25, 40, 100, &refs, &keys);
    std::vector<uint64_t> want = {27, 33, 36, 39};
    CHECK(keys == want);
    for (size_t i = 0; i < refs.size(); i++) CHECK_EQ(*st.Words(refs[i]), keys[i] * 10);
    refs.clear();
    keys.clear();
    st.ScanU64(0, UINT64_MAX, 2, &refs, &keys);
    CHECK(keys == (std::vector<uint64_t>{0, 3}));
    refs.clear();
    keys.clear();
    st.ScanU64(40, 25, 100, &refs, &keys);  // empty range
    CHECK(keys.empty());
  }
}

TEST(byte_prefix_scan_ordered_and_unordered_agree) {
  for (bool ordered : {true, false}) {
    StateStore st(BytesOpts(ValueKind::kF64, ordered));
    for (std::string k : {"user:10", "user:2", "user:1", "order:1", "user", "usex", "user:\xff"}) {
      *st.Words(st.UpsertBytes(k, nullptr)) = k.size();
    }
    st.EraseBytes("user:2");
    std::vector<uint32_t> refs;
    st.ScanPrefix("user:", 100, &refs);
    std::vector<std::string> got;
    for (uint32_t r : refs) got.emplace_back(st.BytesKey(r));
    CHECK(got == (std::vector<std::string>{"user:1", "user:10", "user:\xff"}));
    refs.clear();
    st.ScanPrefix("", 100, &refs);
    CHECK_EQ(refs.size(), 6u);
    refs.clear();
    st.ScanPrefix("zzz", 100, &refs);
    CHECK(refs.empty());
  }
}

TEST(memory_accounting_tracks_growth_and_clear) {
  StateStore st(U64Opts());
  MemoryStats empty = st.Memory();
  for (uint64_t k = 0; k < 100000; k++) st.UpsertU64(k, nullptr);
  MemoryStats full = st.Memory();
  CHECK_EQ(full.entries, 100000u);
  CHECK(full.table_bytes >= 100000u * 16);
  CHECK(full.value_bytes >= 100000u * 8);
  CHECK(full.total > empty.total);
  st.Clear();
  CHECK_EQ(st.size(), 0u);
  CHECK_EQ(st.FindU64(5), kNoRef);
  st.UpsertU64(5, nullptr);
  CHECK_EQ(st.size(), 1u);
}

// Large tables take the mmap + huge-page paths of the probe array and the value region.
TEST(large_store_keeps_values_across_growth) {
  StateStore st(U64Opts(8));
  const uint64_t n = 300000;  // probe array 8 MiB, values 19 MiB: both past the 4 MiB thresholds
  for (uint64_t k = 0; k < n; k++) {
    uint64_t* w = st.Words(st.UpsertU64(k * 0x9E3779B97F4A7C15ULL, nullptr));
    w[0] = k;
    w[7] = ~k;
  }
  CHECK(st.Memory().table_bytes >= (4u << 20));
  CHECK(st.Memory().value_bytes >= n * 64);
  bool ok = true;
  for (uint64_t k = 0; k < n; k += 7) {
    uint32_t r = st.FindU64(k * 0x9E3779B97F4A7C15ULL);
    if (r == kNoRef || st.Words(r)[0] != k || st.Words(r)[7] != ~k) ok = false;
  }
  CHECK(ok);
  st.Clear();
  CHECK_EQ(st.FindU64(0), kNoRef);
}

int main() { return laminar_test::RunAll(); }
