// The native state store: an open-addressing hash map (linear probing, backward-shift deletion,
// so no tombstones ever slow probes down) keyed by u64 or by byte strings, hashed with FxHash.
//
// Layout. The probe array holds 16-byte slots {key-or-hash, ref+1}: for u64 keys the key itself,
// for byte keys the full 64-bit hash (compared before the bytes, and reused on rehash). `ref` is
// a dense entry id, stable for the life of the entry, that addresses the entry's value:
//   - fixed-width values (f64/u64 words, `width` per entry) live in a ValueRegion that never
//     moves, so JS can update accumulators in place through a zero-copy view;
//   - byte keys and byte values live in an append-only arena (offsets, so it may reallocate),
//     compacted when more than half of it is dead.
// Deleted refs go to a free list and are reused.
//
// Inline values. A store of u64 keys and one-word values starts with its values in an array
// parallel to the probe array (value i belongs to slot i, moving with it on rehash and deletion):
// a lookup's slot and value loads then have independent addresses and miss in parallel, where
// slot -> ref -> region is two dependent misses (~150 ns each at 10 M keys). Views need stable
// addresses, so the first call that hands out refs for in-place access (Words, values(),
// UpsertRefsU64) moves the values into the region for good; `inline_values()` tells the mode.
// Key-based accessors (FindValueU64, UpsertValueU64, the batches, ForEachValue) work in both.
//
// Range and prefix scans. Hash order is useless for scans, and keeping an ordered index costs a
// tree insertion per new key, so the index is opt-in (`ordered`): a std::set of u64 keys or of
// refs ordered by key bytes. Without it, scans still work by a full pass plus a sort (O(n log n)).
//
// Single-threaded: the store belongs to the JS thread that created it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "state/big_array.h"
#include "state/fx_hash.h"
#include "state/value_region.h"

namespace laminar::state {

enum class KeyKind : uint8_t { kU64 = 1, kBytes = 2 };
enum class ValueKind : uint8_t { kF64 = 1, kU64 = 2, kBytes = 3 };

constexpr uint32_t kNoRef = UINT32_MAX;
constexpr uint32_t kMaxWidth = 1024;
constexpr uint64_t kMaxEntriesLimit = UINT32_MAX - 1;
constexpr uint32_t kMaxKeyBytes = 1u << 20;
constexpr uint32_t kMaxValueBytes = 1u << 30;

struct StoreOptions {
  KeyKind key_kind = KeyKind::kU64;
  ValueKind value_kind = ValueKind::kF64;
  uint32_t width = 1;             // words per value (fixed kinds); must be 0 or 1 for kBytes
  bool ordered = false;           // maintain an ordered index for scans
  uint64_t max_entries = 0;       // 0: as many as 16 GiB of value words allow (capped)
  uint64_t initial_capacity = 0;  // expected entries, to pre-size the probe array
};

struct MemoryStats {
  uint64_t entries = 0;
  uint64_t table_bytes = 0;   // probe array
  uint64_t value_bytes = 0;   // committed fixed-width value memory
  uint64_t arena_bytes = 0;   // arena capacity (byte keys and values)
  uint64_t arena_dead_bytes = 0;
  uint64_t meta_bytes = 0;    // per-entry arena references and the free list
  uint64_t index_bytes = 0;   // ordered index (estimated: node size times entries)
  uint64_t total = 0;
};

class StateStore {
 public:
  /** Throws StateError(INVALID_ARGUMENT) for an impossible combination of options. */
  explicit StateStore(const StoreOptions& options);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const StoreOptions& options() const { return opts_; }
  KeyKind key_kind() const { return opts_.key_kind; }
  bool fixed_values() const { return opts_.value_kind != ValueKind::kBytes; }
  uint32_t width() const { return opts_.width; }
  uint64_t size() const { return size_; }
  uint64_t max_entries() const { return opts_.max_entries; }
  MemoryStats Memory() const;
  void Clear();

  // ---- lookups by key, returning the entry's ref or kNoRef ----
  uint32_t FindU64(uint64_t key) const;
  uint32_t FindBytes(std::string_view key) const;
  /** Finds or inserts; a new entry's value is zero words / empty bytes. Throws CAPACITY when full. */
  uint32_t UpsertU64(uint64_t key, bool* inserted);
  uint32_t UpsertBytes(std::string_view key, bool* inserted);
  bool EraseU64(uint64_t key);
  bool EraseBytes(std::string_view key);

  /**
   * Value words of a u64 key, or null when absent. Invalidated by any later mutation. Fixed-width
   * stores only (these two throw StateError WRONG_KIND for byte values).
   */
  const uint64_t* FindValueU64(uint64_t key) const;
  /** Finds or inserts (new values are zero words); the value words, valid until the next mutation. */
  uint64_t* UpsertValueU64(uint64_t key, bool* inserted);
  /** True while one-word values live beside the probe array (see the file comment). */
  bool inline_values() const { return inline_values_; }

  // ---- values by ref (these move inline values into the region first, permanently) ----
  uint64_t* Words(uint32_t ref) {
    UseRegion();
    return values_->Words(ref);
  }
  const uint64_t* Words(uint32_t ref) const {
    UseRegion();
    return values_->Words(ref);
  }
  /** View into the arena: invalidated by any later mutation of the store. */
  std::string_view BytesValue(uint32_t ref) const;
  void SetBytesValue(uint32_t ref, std::string_view value);
  /** The key of an entry of a byte-keyed store (arena view, same validity as BytesValue). */
  std::string_view BytesKey(uint32_t ref) const;

  // ---- batches (u64 keys, fixed values): the hot path, with software prefetching ----
  /** out gets n*width words (zeros for missing keys); found[i] = 1/0. Returns how many were found. */
  size_t GetU64Batch(const uint64_t* keys, size_t n, uint64_t* out, uint8_t* found) const;
  void PutU64Batch(const uint64_t* keys, size_t n, const uint64_t* words);
  /** found may be null. Returns how many keys were present. */
  size_t DeleteU64Batch(const uint64_t* keys, size_t n, uint8_t* found);
  /** Finds or inserts every key, writing its ref (its slot in the value region). Returns inserts. */
  size_t UpsertRefsU64(const uint64_t* keys, size_t n, uint32_t* refs, uint8_t* inserted);
  /** Throws CAPACITY unless `n` more keys (of which some may exist) can be inserted. */
  void CheckRoomU64(const uint64_t* keys, size_t n) const;
  void CheckRoomBytes(const std::string_view* keys, size_t n) const;

  // ---- scans: refs of entries in key order ----
  void ScanU64(uint64_t lo, uint64_t hi, size_t limit, std::vector<uint32_t>* refs, std::vector<uint64_t>* keys) const;
  void ScanPrefix(std::string_view prefix, size_t limit, std::vector<uint32_t>* refs) const;

  /** Calls fn(key_or_hash, ref) for every entry, in probe-array order. */
  template <class Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i <= mask_; i++) {
      if (slots_[i].ref1 != 0) fn(slots_[i].key, slots_[i].ref1 - 1);
    }
  }

  /** Calls fn(key_or_hash, ref, words) for every entry; words is null for byte values. */
  template <class Fn>
  void ForEachValue(Fn&& fn) const {
    for (size_t i = 0; i <= mask_; i++) {
      if (slots_[i].ref1 == 0) continue;
      const uint32_t ref = slots_[i].ref1 - 1;
      const uint64_t* words = inline_values_ ? &inline_[i] : values_ ? values_->Words(ref) : nullptr;
      fn(slots_[i].key, ref, words);
    }
  }

  /** The value region (fixed kinds), for zero-copy views from JS. */
  const ValueRegion* values() const {
    UseRegion();
    return values_.get();
  }
  /** Refs below this bound have been handed out (the region is committed at least that far). */
  uint64_t ref_bound() const { return next_ref_; }

 private:
  struct Slot {
    uint64_t key;   // u64 key, or the hash of a byte key
    uint32_t ref1;  // ref + 1; 0 = empty
    uint32_t unused;
  };
  struct ArenaRef {
    uint64_t off = 0;
    uint32_t len = 0;
    uint32_t cap = 0;
  };
  struct RefKeyLess {
    using is_transparent = void;
    const StateStore* store;
    bool operator()(uint32_t a, uint32_t b) const { return store->BytesKey(a) < store->BytesKey(b); }
    bool operator()(uint32_t a, std::string_view b) const { return store->BytesKey(a) < b; }
    bool operator()(std::string_view a, uint32_t b) const { return a < store->BytesKey(b); }
  };

  size_t HomeU64(uint64_t key) const { return static_cast<size_t>(FxHashU64(key) >> shift_); }
  size_t HomeOfSlot(const Slot& s) const;
  void Rehash(size_t new_capacity);
  void GrowIfNeeded();
  uint32_t AllocRef();
  void FreeRef(uint32_t ref);
  void RemoveSlotAt(size_t i);
  uint64_t ArenaAppend(std::string_view bytes, uint32_t reserve);
  void MaybeCompactArena();
  bool BytesKeyEquals(uint32_t ref, std::string_view key) const;
  uint32_t InsertU64At(size_t slot, uint64_t key);
  /** Slot index of a u64 key, or SIZE_MAX. */
  size_t FindSlotU64(uint64_t key) const;
  /** Slot index of a u64 key, inserting it (zero value) if absent. */
  size_t UpsertSlotU64(uint64_t key, bool* inserted);
  uint64_t* SlotValue(size_t slot, uint32_t ref) { return inline_values_ ? &inline_[slot] : values_->Words(ref); }
  /** Leaves inline mode: copies inline values to the region by ref (logically const). */
  void UseRegion() const {
    if (inline_values_) const_cast<StateStore*>(this)->MoveValuesToRegion();
  }
  void MoveValuesToRegion();

  StoreOptions opts_;
  BigArray<Slot> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 64;
  uint64_t size_ = 0;
  uint32_t next_ref_ = 0;
  std::vector<uint32_t> free_refs_;
  std::unique_ptr<ValueRegion> values_;
  bool inline_values_ = false;
  BigArray<uint64_t> inline_;  // inline mode: value of slot i (zero for empty slots)
  std::vector<uint8_t> arena_;
  uint64_t arena_dead_ = 0;
  std::vector<ArenaRef> key_refs_;  // byte keys
  std::vector<ArenaRef> val_refs_;  // byte values
  std::set<uint64_t> u64_index_;
  std::set<uint32_t, RefKeyLess> bytes_index_;
};

}  // namespace laminar::state
