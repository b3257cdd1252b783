// Unit tests of the state store's inline values (u64 keys, one-word values beside the probe
// array; see native/state/hash_store.h): every operation keeps values with their keys across
// rehash and backward-shift deletion, and leaving inline mode keeps every value.
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "state/hash_store.h"
#include "state/snapshot.h"
#include "state/state_error.h"
#include "test/check.h"

using namespace laminar::state;

namespace {

StoreOptions InlineOpts(ValueKind values = ValueKind::kU64) {
  StoreOptions o;
  o.key_kind = KeyKind::kU64;
  o.value_kind = values;
  o.width = 1;
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

// Every key of `ref` is found by key with its value, and nothing else is in the store.
bool Matches(const StateStore& st, const std::unordered_map<uint64_t, uint64_t>& ref) {
  if (st.size() != ref.size()) return false;
  for (const auto& [k, v] : ref) {
    const uint64_t* w = st.FindValueU64(k);
    if (w == nullptr || *w != v) return false;
  }
  size_t seen = 0;
  bool ok = true;
  st.ForEachValue([&](uint64_t key, uint32_t, const uint64_t* words) {
    seen++;
    auto it = ref.find(key);
    if (it == ref.end() || words == nullptr || *words != it->second) ok = false;
  });
  return ok && seen == ref.size();
}

}  // namespace

TEST(only_u64_keys_with_one_word_values_start_inline) {
  CHECK(StateStore(InlineOpts()).inline_values());
  CHECK(StateStore(InlineOpts(ValueKind::kF64)).inline_values());
  StoreOptions wide = InlineOpts();
  wide.width = 2;
  CHECK(!StateStore(wide).inline_values());
  StoreOptions bytes_keys = InlineOpts();
  bytes_keys.key_kind = KeyKind::kBytes;
  CHECK(!StateStore(bytes_keys).inline_values());
}

TEST(inline_random_ops_match_a_reference_map_without_leaving_inline_mode) {
  StateStore st(InlineOpts());
  std::unordered_map<uint64_t, uint64_t> ref;
  std::mt19937_64 rng(777);
  for (int step = 0; step < 300000; step++) {
    uint64_t key = rng() % 20000;
    if (step % 5 == 0) key = key << 44;  // different clusters
    const int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      bool inserted = false;
      uint64_t* w = st.UpsertValueU64(key, &inserted);
      if (inserted != (ref.count(key) == 0) || (inserted && *w != 0)) {
        CHECK(false);  // a new entry must read as zero
        return;
      }
      *w = step + 1;
      ref[key] = step + 1;
    } else if (op < 8) {
      const bool had = ref.erase(key) > 0;
      if (st.EraseU64(key) != had) {
        CHECK(false);
        return;
      }
    } else {
      const uint64_t* w = st.FindValueU64(key);
      auto it = ref.find(key);
      if ((w == nullptr) != (it == ref.end()) || (w != nullptr && *w != it->second)) {
        CHECK(false);
        return;
      }
    }
  }
  CHECK(st.inline_values());
  CHECK(Matches(st, ref));
}

TEST(inline_batches_put_get_delete_and_reinsert_reads_zero) {
  StateStore st(InlineOpts());
  std::vector<uint64_t> keys(5000), words(5000);
  for (size_t i = 0; i < keys.size(); i++) {
    keys[i] = i * 0x9E3779B97F4A7C15ULL;
    words[i] = i + 100;
  }
  st.PutU64Batch(keys.data(), keys.size(), words.data());  // grows several times
  std::vector<uint64_t> out(keys.size() + 1);
  std::vector<uint8_t> found(keys.size() + 1);
  std::vector<uint64_t> probe(keys);
  probe.push_back(12345);  // absent
  CHECK_EQ(st.GetU64Batch(probe.data(), probe.size(), out.data(), found.data()), keys.size());
  bool ok = true;
  for (size_t i = 0; i < keys.size(); i++) ok = ok && found[i] == 1 && out[i] == i + 100;
  CHECK(ok);
  CHECK_EQ(found[keys.size()], 0);
  CHECK_EQ(out[keys.size()], 0u);
  // Delete every other key (backward shifts move values), then reinsert: values start at zero.
  std::vector<uint64_t> evens;
  for (size_t i = 0; i < keys.size(); i += 2) evens.push_back(keys[i]);
  CHECK_EQ(st.DeleteU64Batch(evens.data(), evens.size(), nullptr), evens.size());
  for (size_t i = 1; i < keys.size(); i += 2) ok = ok && st.FindValueU64(keys[i]) && *st.FindValueU64(keys[i]) == i + 100;
  CHECK(ok);
  bool inserted = false;
  CHECK_EQ(*st.UpsertValueU64(keys[0], &inserted), 0u);
  CHECK(inserted);
  CHECK(st.inline_values());
}

TEST(leaving_inline_mode_keeps_every_value_and_refs_address_the_region) {
  StateStore st(InlineOpts());
  std::unordered_map<uint64_t, uint64_t> ref;
  for (uint64_t k = 0; k < 3000; k++) {
    *st.UpsertValueU64(k * 7919, nullptr) = k * 3 + 1;
    ref[k * 7919] = k * 3 + 1;
  }
  for (uint64_t k = 0; k < 3000; k += 3) {  // free some refs first: the region must skip them
    st.EraseU64(k * 7919);
    ref.erase(k * 7919);
  }
  CHECK(st.inline_values());
  std::vector<uint64_t> keys = {7919, 2 * 7919, 999999};
  std::vector<uint32_t> refs(keys.size());
  std::vector<uint8_t> ins(keys.size());
  CHECK_EQ(st.UpsertRefsU64(keys.data(), keys.size(), refs.data(), ins.data()), 1u);
  ref[999999] = 0;
  CHECK(!st.inline_values());
  CHECK_EQ(*st.Words(refs[0]), 4u);
  CHECK_EQ(*st.Words(refs[1]), 7u);
  CHECK_EQ(*st.Words(refs[2]), 0u);
  CHECK(Matches(st, ref));
  // Writes through a ref are what key lookups see from now on.
  st.Words(refs[1])[0] = 42;
  CHECK_EQ(*st.FindValueU64(2 * 7919), 42u);
  std::vector<uint64_t> out(1);
  std::vector<uint8_t> found(1);
  uint64_t k2 = 2 * 7919;
  st.GetU64Batch(&k2, 1, out.data(), found.data());
  CHECK_EQ(out[0], 42u);
  // Region mode keeps working after more inserts, deletes and growth.
  for (uint64_t k = 0; k < 20000; k++) *st.UpsertValueU64(k << 20, nullptr) = k;
  CHECK_EQ(*st.FindValueU64(19999ULL << 20), 19999u);
  CHECK(!st.inline_values());
}

TEST(values_view_and_words_leave_inline_mode) {
  StateStore a(InlineOpts(ValueKind::kF64));
  *a.UpsertValueU64(5, nullptr) = 0x4014000000000000ULL;  // 5.0
  const StateStore& ca = a;
  const ValueRegion* region = ca.values();
  CHECK(!a.inline_values());
  CHECK_EQ(*region->Words(a.FindU64(5)), 0x4014000000000000ULL);

  StateStore b(InlineOpts());
  uint32_t r = b.UpsertU64(9, nullptr);
  *b.UpsertValueU64(9, nullptr) = 77;
  CHECK(b.inline_values());
  CHECK_EQ(*b.Words(r), 77u);
  CHECK(!b.inline_values());
}

TEST(clear_and_memory_in_inline_mode) {
  StateStore st(InlineOpts());
  for (uint64_t k = 1; k <= 1000; k++) *st.UpsertValueU64(k, nullptr) = k;
  MemoryStats m = st.Memory();
  CHECK(m.value_bytes >= m.table_bytes / 2);  // one word per slot beside 16-byte slots
  st.Clear();
  CHECK_EQ(st.size(), 0u);
  CHECK(st.FindValueU64(5) == nullptr);
  bool inserted = false;
  CHECK_EQ(*st.UpsertValueU64(5, &inserted), 0u);
  CHECK(inserted);
}

TEST(snapshot_round_trip_of_an_inline_store_stays_inline) {
  StateStore st(InlineOpts());
  std::unordered_map<uint64_t, uint64_t> ref;
  for (uint64_t k = 0; k < 5000; k++) {
    *st.UpsertValueU64(k * 31 + 1, nullptr) = ~k;
    ref[k * 31 + 1] = ~k;
  }
  const std::string path = "inline_snapshot_test.snap";
  WriteSnapshot(st, path);
  CHECK(st.inline_values());  // writing a snapshot does not move values
  auto back = LoadSnapshotFile(path, 0);
  std::remove(path.c_str());
  CHECK(back->inline_values());
  CHECK(Matches(*back, ref));
}

// Loading by key must not take the fixed-value path for a store of byte values.
TEST(snapshot_round_trip_of_u64_keys_with_byte_values) {
  StoreOptions o = InlineOpts(ValueKind::kBytes);
  o.width = 0;
  StateStore st(o);
  CHECK(!st.inline_values());
  for (uint64_t k = 0; k < 100; k++) st.SetBytesValue(st.UpsertU64(k, nullptr), std::string(k % 7, 'v'));
  CHECK_EQ(ThrownCode([&] { st.FindValueU64(1); }), std::string("WRONG_KIND"));
  CHECK_EQ(ThrownCode([&] { st.UpsertValueU64(1, nullptr); }), std::string("WRONG_KIND"));
  const std::string path = "inline_bytes_snapshot_test.snap";
  WriteSnapshot(st, path);
  auto back = LoadSnapshotFile(path, 0);
  std::remove(path.c_str());
  CHECK_EQ(back->size(), 100u);
  bool ok = true;
  for (uint64_t k = 0; k < 100; k++) ok = ok && back->BytesValue(back->FindU64(k)) == std::string(k % 7, 'v');
  CHECK(ok);
}

int main() { return laminar_test::RunAll(); }
