#include "state/hash_store.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "state/state_error.h"

namespace laminar::state {
namespace {

constexpr size_t kMinCapacity = 16;
constexpr uint64_t kDefaultValueReserve = 16ULL << 30;  // address space, not memory
constexpr size_t kPrefetchDistance = 16;
constexpr size_t kBatchChunk = 256;
constexpr uint64_t kCompactMinDead = 1 << 20;
// Estimated heap cost of one std::set node (three pointers, colour, payload, malloc overhead).
constexpr uint64_t kIndexNodeBytes = 48;

inline void Prefetch(const void* p) { __builtin_prefetch(p, 0, 3); }

unsigned Log2(size_t pow2) { return static_cast<unsigned>(__builtin_ctzll(pow2)); }

size_t CapacityFor(uint64_t entries) {
  size_t cap = kMinCapacity;
  while (cap * 3 / 4 < entries) cap *= 2;
  return cap;
}

}  // namespace

StateStore::StateStore(const StoreOptions& options) : opts_(options), bytes_index_(RefKeyLess{this}) {
  if (opts_.key_kind != KeyKind::kU64 && opts_.key_kind != KeyKind::kBytes) {
    throw StateError("INVALID_ARGUMENT", "state store: unknown key kind");
  }
  if (opts_.value_kind == ValueKind::kBytes) {
    if (opts_.width > 1) throw StateError("INVALID_ARGUMENT", "state store: width applies only to f64/u64 values");
    opts_.width = 0;
  } else if (opts_.value_kind == ValueKind::kF64 || opts_.value_kind == ValueKind::kU64) {
    if (opts_.width < 1 || opts_.width > kMaxWidth) {
      throw StateError("INVALID_ARGUMENT", "state store: width must be between 1 and " + std::to_string(kMaxWidth) +
                                               ", got " + std::to_string(opts_.width));
    }
  } else {
    throw StateError("INVALID_ARGUMENT", "state store: unknown value kind");
  }
  uint64_t limit = kMaxEntriesLimit;
  if (fixed_values()) limit = std::min<uint64_t>(limit, kDefaultValueReserve / (uint64_t{opts_.width} * 8));
  if (opts_.max_entries == 0) opts_.max_entries = limit;
  if (opts_.max_entries > kMaxEntriesLimit) {
    throw StateError("INVALID_ARGUMENT", "state store: maxEntries must be at most " + std::to_string(kMaxEntriesLimit));
  }
  if (fixed_values()) values_ = std::make_unique<ValueRegion>(opts_.width, opts_.max_entries);
  inline_values_ = opts_.key_kind == KeyKind::kU64 && fixed_values() && opts_.width == 1;
  Rehash(CapacityFor(std::min(opts_.initial_capacity, opts_.max_entries)));
}

StateStore::~StateStore() = default;

void StateStore::Clear() {
  slots_.Zero();
  inline_.Zero();
  size_ = 0;
  next_ref_ = 0;
  free_refs_.clear();
  arena_.clear();
  arena_dead_ = 0;
  key_refs_.clear();
  val_refs_.clear();
  u64_index_.clear();
  bytes_index_.clear();
}

MemoryStats StateStore::Memory() const {
  MemoryStats m;
  m.entries = size_;
  m.table_bytes = slots_.bytes();
  m.value_bytes = (values_ ? values_->committed_bytes() : 0) + inline_.bytes();
  m.arena_bytes = arena_.capacity();
  m.arena_dead_bytes = arena_dead_;
  m.meta_bytes = (key_refs_.capacity() + val_refs_.capacity()) * sizeof(ArenaRef) + free_refs_.capacity() * 4;
  m.index_bytes = (u64_index_.size() + bytes_index_.size()) * kIndexNodeBytes;
  m.total = m.table_bytes + m.value_bytes + m.arena_bytes + m.meta_bytes + m.index_bytes;
  return m;
}

// ---------------------------------------------------------------- probe array

size_t StateStore::HomeOfSlot(const Slot& s) const {
  return opts_.key_kind == KeyKind::kU64 ? HomeU64(s.key) : static_cast<size_t>(s.key >> shift_);
}

void StateStore::Rehash(size_t new_capacity) {
  BigArray<Slot> old(new_capacity);  // zeroed: every slot empty
  old.swap(slots_);
  BigArray<uint64_t> old_values(inline_values_ ? new_capacity : 0);
  old_values.swap(inline_);
  mask_ = new_capacity - 1;
  shift_ = 64 - Log2(new_capacity);
  for (size_t j = 0; j < old.size(); j++) {
    const Slot& s = old[j];
    if (s.ref1 == 0) continue;
    size_t i = HomeOfSlot(s);
    while (slots_[i].ref1 != 0) i = (i + 1) & mask_;
    slots_[i] = s;
    if (inline_values_) inline_[i] = old_values[j];
  }
}

void StateStore::MoveValuesToRegion() {
  values_->EnsureSlots(next_ref_);
  for (size_t i = 0; i <= mask_; i++) {
    if (slots_[i].ref1 != 0) *values_->Words(slots_[i].ref1 - 1) = inline_[i];
  }
  BigArray<uint64_t>().swap(inline_);
  inline_values_ = false;
}

void StateStore::GrowIfNeeded() {
  // Linear probing stays short below 3/4 load.
  if ((size_ + 1) * 4 > slots_.size() * 3) Rehash(slots_.size() * 2);
}

uint32_t StateStore::AllocRef() {
  if (size_ >= opts_.max_entries) {
    throw StateError("CAPACITY", "state store is full: maxEntries " + std::to_string(opts_.max_entries) + " reached");
  }
  uint32_t ref;
  if (!free_refs_.empty()) {
    ref = free_refs_.back();
    free_refs_.pop_back();
  } else {
    ref = next_ref_++;
    if (values_ && !inline_values_) values_->EnsureSlots(next_ref_);
    if (opts_.key_kind == KeyKind::kBytes) key_refs_.emplace_back();
    if (opts_.value_kind == ValueKind::kBytes) val_refs_.emplace_back();
  }
  if (values_ && !inline_values_) std::memset(values_->Words(ref), 0, size_t{opts_.width} * 8);
  return ref;
}

void StateStore::FreeRef(uint32_t ref) {
  if (opts_.key_kind == KeyKind::kBytes) {
    arena_dead_ += key_refs_[ref].cap;
    key_refs_[ref] = ArenaRef{};
  }
  if (opts_.value_kind == ValueKind::kBytes) {
    arena_dead_ += val_refs_[ref].cap;
    val_refs_[ref] = ArenaRef{};
  }
  free_refs_.push_back(ref);
}

// Backward-shift deletion: pull later members of the cluster into the hole whenever their home
// is not between the hole and their position, so every probe sequence stays unbroken.
void StateStore::RemoveSlotAt(size_t hole) {
  size_t j = hole;
  for (;;) {
    j = (j + 1) & mask_;
    if (slots_[j].ref1 == 0) break;
    size_t home = HomeOfSlot(slots_[j]);
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      slots_[hole] = slots_[j];
      if (inline_values_) inline_[hole] = inline_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{0, 0, 0};
  if (inline_values_) inline_[hole] = 0;
  size_--;
}

// ---------------------------------------------------------------- u64 keys

size_t StateStore::FindSlotU64(uint64_t key) const {
  size_t i = HomeU64(key);
  // The value's address depends only on the home slot: start its load beside the slot's.
  if (inline_values_) Prefetch(&inline_[i]);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) return SIZE_MAX;
    if (s.key == key) return i;
    i = (i + 1) & mask_;
  }
}

uint32_t StateStore::FindU64(uint64_t key) const {
  const size_t i = FindSlotU64(key);
  return i == SIZE_MAX ? kNoRef : slots_[i].ref1 - 1;
}

const uint64_t* StateStore::FindValueU64(uint64_t key) const {
  if (!values_) throw StateError("WRONG_KIND", "state store: FindValueU64 needs fixed-width values");
  const size_t i = FindSlotU64(key);
  if (i == SIZE_MAX) return nullptr;
  return inline_values_ ? &inline_[i] : values_->Words(slots_[i].ref1 - 1);
}

uint32_t StateStore::InsertU64At(size_t slot, uint64_t key) {
  uint32_t ref = AllocRef();
  slots_[slot] = Slot{key, ref + 1, 0};
  if (inline_values_) inline_[slot] = 0;
  size_++;
  if (opts_.ordered) u64_index_.insert(key);
  return ref;
}

size_t StateStore::UpsertSlotU64(uint64_t key, bool* inserted) {
  size_t i = HomeU64(key);
  if (inline_values_) Prefetch(&inline_[i]);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) break;
    if (s.key == key) {
      if (inserted) *inserted = false;
      return i;
    }
    i = (i + 1) & mask_;
  }
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    GrowIfNeeded();
    i = HomeU64(key);
    while (slots_[i].ref1 != 0) i = (i + 1) & mask_;
  }
  if (inserted) *inserted = true;
  InsertU64At(i, key);
  return i;
}

uint32_t StateStore::UpsertU64(uint64_t key, bool* inserted) { return slots_[UpsertSlotU64(key, inserted)].ref1 - 1; }

uint64_t* StateStore::UpsertValueU64(uint64_t key, bool* inserted) {
  if (!values_) throw StateError("WRONG_KIND", "state store: UpsertValueU64 needs fixed-width values");
  const size_t i = UpsertSlotU64(key, inserted);
  return SlotValue(i, slots_[i].ref1 - 1);
}

bool StateStore::EraseU64(uint64_t key) {
  size_t i = HomeU64(key);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) return false;
    if (s.key == key) break;
    i = (i + 1) & mask_;
  }
  FreeRef(slots_[i].ref1 - 1);
  RemoveSlotAt(i);
  if (opts_.ordered) u64_index_.erase(key);
  return true;
}

size_t StateStore::GetU64Batch(const uint64_t* keys, size_t n, uint64_t* out, uint8_t* found) const {
  const size_t w = opts_.width;
  size_t hits = 0;
  if (inline_values_) {
    // Slot and value of a key sit at the same index: prefetch both, then one pass.
    for (size_t i = 0; i < n; i++) {
      if (i + kPrefetchDistance < n) {
        const size_t ahead = HomeU64(keys[i + kPrefetchDistance]);
        Prefetch(&slots_[ahead]);
        Prefetch(&inline_[ahead]);
      }
      const size_t slot = FindSlotU64(keys[i]);
      const bool hit = slot != SIZE_MAX;
      found[i] = hit;
      out[i] = hit ? inline_[slot] : 0;
      hits += hit;
    }
    return hits;
  }
  uint32_t refs[kBatchChunk];
  for (size_t i = 0; i < std::min(n, kPrefetchDistance); i++) Prefetch(&slots_[HomeU64(keys[i])]);
  for (size_t base = 0; base < n; base += kBatchChunk) {
    const size_t end = std::min(n, base + kBatchChunk);
    // Pass 1: probe, keeping slot loads for later keys in flight, and start the value loads.
    for (size_t i = base; i < end; i++) {
      if (i + kPrefetchDistance < n) Prefetch(&slots_[HomeU64(keys[i + kPrefetchDistance])]);
      uint32_t ref = FindU64(keys[i]);
      refs[i - base] = ref;
      if (ref != kNoRef) Prefetch(values_->Words(ref));
    }
    // Pass 2: copy the values, which have had a whole chunk's time to arrive.
    for (size_t i = base; i < end; i++) {
      uint32_t ref = refs[i - base];
      uint64_t* dst = out + i * w;
      if (ref == kNoRef) {
        found[i] = 0;
        std::memset(dst, 0, w * 8);
      } else {
        found[i] = 1;
        hits++;
        if (w == 1) {
          *dst = *values_->Words(ref);
        } else {
          std::memcpy(dst, values_->Words(ref), w * 8);
        }
      }
    }
  }
  return hits;
}

void StateStore::CheckRoomU64(const uint64_t* keys, size_t n) const {
  if (size_ + n <= opts_.max_entries) return;
  // Near the limit: count the keys that are really new (distinct and absent) before mutating.
  std::vector<uint64_t> fresh;
  for (size_t i = 0; i < n; i++) {
    if (FindU64(keys[i]) == kNoRef) fresh.push_back(keys[i]);
  }
  std::sort(fresh.begin(), fresh.end());
  size_t distinct = std::unique(fresh.begin(), fresh.end()) - fresh.begin();
  if (size_ + distinct > opts_.max_entries) {
    throw StateError("CAPACITY", "state store is full: " + std::to_string(distinct) + " new keys do not fit under maxEntries " +
                                     std::to_string(opts_.max_entries) + " (" + std::to_string(size_) + " entries)");
  }
}

void StateStore::PutU64Batch(const uint64_t* keys, size_t n, const uint64_t* words) {
  CheckRoomU64(keys, n);
  const size_t w = opts_.width;
  // Grow once up front: a batch of all-new keys then inserts without rehashing midway.
  if ((size_ + n) * 4 > slots_.size() * 3) Rehash(CapacityFor(size_ + n));
  for (size_t i = 0; i < n; i++) {
    if (i + kPrefetchDistance < n) {
      const size_t ahead = HomeU64(keys[i + kPrefetchDistance]);
      Prefetch(&slots_[ahead]);
      if (inline_values_) Prefetch(&inline_[ahead]);
    }
    const size_t slot = UpsertSlotU64(keys[i], nullptr);
    uint64_t* dst = SlotValue(slot, slots_[slot].ref1 - 1);
    if (w == 1) {
      *dst = words[i];
    } else {
      std::memcpy(dst, words + i * w, w * 8);
    }
  }
}

size_t StateStore::UpsertRefsU64(const uint64_t* keys, size_t n, uint32_t* refs, uint8_t* inserted) {
  CheckRoomU64(keys, n);
  UseRegion();  // the refs index the region from now on
  if ((size_ + n) * 4 > slots_.size() * 3) Rehash(CapacityFor(size_ + n));
  size_t inserts = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + kPrefetchDistance < n) Prefetch(&slots_[HomeU64(keys[i + kPrefetchDistance])]);
    bool ins = false;
    refs[i] = UpsertU64(keys[i], &ins);
    Prefetch(values_->Words(refs[i]));  // the caller reads these values right after this call
    if (inserted) inserted[i] = ins ? 1 : 0;
    inserts += ins;
  }
  return inserts;
}

size_t StateStore::DeleteU64Batch(const uint64_t* keys, size_t n, uint8_t* found) {
  size_t hits = 0;
  for (size_t i = 0; i < n; i++) {
    bool hit = EraseU64(keys[i]);
    if (found) found[i] = hit ? 1 : 0;
    hits += hit;
  }
  return hits;
}

// ---------------------------------------------------------------- byte keys

std::string_view StateStore::BytesKey(uint32_t ref) const {
  const ArenaRef& r = key_refs_[ref];
  return std::string_view(reinterpret_cast<const char*>(arena_.data()) + r.off, r.len);
}

bool StateStore::BytesKeyEquals(uint32_t ref, std::string_view key) const {
  const ArenaRef& r = key_refs_[ref];
  return r.len == key.size() && std::memcmp(arena_.data() + r.off, key.data(), key.size()) == 0;
}

uint32_t StateStore::FindBytes(std::string_view key) const {
  const uint64_t h = FxHashBytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  size_t i = static_cast<size_t>(h >> shift_);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) return kNoRef;
    if (s.key == h && BytesKeyEquals(s.ref1 - 1, key)) return s.ref1 - 1;
    i = (i + 1) & mask_;
  }
}

uint32_t StateStore::UpsertBytes(std::string_view key, bool* inserted) {
  if (key.size() > kMaxKeyBytes) {
    throw StateError("CAPACITY", "state store: key of " + std::to_string(key.size()) + " bytes exceeds the limit of " +
                                     std::to_string(kMaxKeyBytes));
  }
  const uint64_t h = FxHashBytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  size_t i = static_cast<size_t>(h >> shift_);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) break;
    if (s.key == h && BytesKeyEquals(s.ref1 - 1, key)) {
      if (inserted) *inserted = false;
      return s.ref1 - 1;
    }
    i = (i + 1) & mask_;
  }
  uint32_t ref = AllocRef();
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    GrowIfNeeded();
    i = static_cast<size_t>(h >> shift_);
    while (slots_[i].ref1 != 0) i = (i + 1) & mask_;
  }
  uint64_t off = ArenaAppend(key, static_cast<uint32_t>(key.size()));
  key_refs_[ref] = ArenaRef{off, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(key.size())};
  slots_[i] = Slot{h, ref + 1, 0};
  size_++;
  if (opts_.ordered) bytes_index_.insert(ref);
  if (inserted) *inserted = true;
  return ref;
}

bool StateStore::EraseBytes(std::string_view key) {
  const uint64_t h = FxHashBytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  size_t i = static_cast<size_t>(h >> shift_);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.ref1 == 0) return false;
    if (s.key == h && BytesKeyEquals(s.ref1 - 1, key)) break;
    i = (i + 1) & mask_;
  }
  const uint32_t ref = slots_[i].ref1 - 1;
  if (opts_.ordered) bytes_index_.erase(ref);  // before FreeRef: the comparator reads the key
  FreeRef(ref);
  RemoveSlotAt(i);
  MaybeCompactArena();
  return true;
}

void StateStore::CheckRoomBytes(const std::string_view* keys, size_t n) const {
  if (size_ + n <= opts_.max_entries) return;
  std::vector<std::string_view> fresh;
  for (size_t i = 0; i < n; i++) {
    if (FindBytes(keys[i]) == kNoRef) fresh.push_back(keys[i]);
  }
  std::sort(fresh.begin(), fresh.end());
  size_t distinct = std::unique(fresh.begin(), fresh.end()) - fresh.begin();
  if (size_ + distinct > opts_.max_entries) {
    throw StateError("CAPACITY", "state store is full: " + std::to_string(distinct) + " new keys do not fit under maxEntries " +
                                     std::to_string(opts_.max_entries) + " (" + std::to_string(size_) + " entries)");
  }
}

// ---------------------------------------------------------------- arena (byte keys and values)

uint64_t StateStore::ArenaAppend(std::string_view bytes, uint32_t reserve) {
  // Growing the arena may move it, so bytes that live inside it are copied out first.
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!bytes.empty() && p >= arena_.data() && p < arena_.data() + arena_.size()) {
    std::string copy(bytes);
    return ArenaAppend(copy, reserve);
  }
  uint64_t off = arena_.size();
  arena_.resize(off + reserve);
  if (!bytes.empty()) std::memcpy(arena_.data() + off, bytes.data(), bytes.size());
  return off;
}

std::string_view StateStore::BytesValue(uint32_t ref) const {
  const ArenaRef& r = val_refs_[ref];
  return std::string_view(reinterpret_cast<const char*>(arena_.data()) + r.off, r.len);
}

void StateStore::SetBytesValue(uint32_t ref, std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    throw StateError("CAPACITY", "state store: value of " + std::to_string(value.size()) + " bytes exceeds the limit of " +
                                     std::to_string(kMaxValueBytes));
  }
  ArenaRef& r = val_refs_[ref];
  const uint32_t len = static_cast<uint32_t>(value.size());
  if (len <= r.cap) {
    if (len != 0) std::memmove(arena_.data() + r.off, value.data(), len);
    r.len = len;
    return;
  }
  arena_dead_ += r.cap;
  const uint64_t off = ArenaAppend(value, len);
  val_refs_[ref] = ArenaRef{off, len, len};
  MaybeCompactArena();
}

// Rewrites the arena with only live bytes once more than half of it (and at least 1 MiB) is dead.
void StateStore::MaybeCompactArena() {
  if (arena_dead_ < kCompactMinDead || arena_dead_ * 2 < arena_.size()) return;
  std::vector<uint8_t> fresh;
  fresh.reserve(arena_.size() - arena_dead_);
  auto move_ref = [&](ArenaRef& r) {
    uint64_t off = fresh.size();
    fresh.insert(fresh.end(), arena_.begin() + r.off, arena_.begin() + r.off + r.len);
    r = ArenaRef{off, r.len, r.len};
  };
  ForEach([&](uint64_t, uint32_t ref) {
    if (opts_.key_kind == KeyKind::kBytes) move_ref(key_refs_[ref]);
    if (opts_.value_kind == ValueKind::kBytes) move_ref(val_refs_[ref]);
  });
  arena_.swap(fresh);
  arena_dead_ = 0;
}

// ---------------------------------------------------------------- scans

void StateStore::ScanU64(uint64_t lo, uint64_t hi, size_t limit, std::vector<uint32_t>* refs,
                         std::vector<uint64_t>* keys) const {
  if (lo > hi || limit == 0) return;
  if (opts_.ordered) {
    for (auto it = u64_index_.lower_bound(lo); it != u64_index_.end() && *it <= hi && refs->size() < limit; ++it) {
      refs->push_back(FindU64(*it));
      keys->push_back(*it);
    }
    return;
  }
  std::vector<std::pair<uint64_t, uint32_t>> hits;
  ForEach([&](uint64_t key, uint32_t ref) {
    if (key >= lo && key <= hi) hits.emplace_back(key, ref);
  });
  std::sort(hits.begin(), hits.end());
  for (size_t i = 0; i < hits.size() && i < limit; i++) {
    keys->push_back(hits[i].first);
    refs->push_back(hits[i].second);
  }
}

void StateStore::ScanPrefix(std::string_view prefix, size_t limit, std::vector<uint32_t>* refs) const {
  if (limit == 0) return;
  auto matches = [&](uint32_t ref) {
    std::string_view k = BytesKey(ref);
    return k.size() >= prefix.size() && std::memcmp(k.data(), prefix.data(), prefix.size()) == 0;
  };
  if (opts_.ordered) {
    for (auto it = bytes_index_.lower_bound(prefix); it != bytes_index_.end() && matches(*it) && refs->size() < limit; ++it) {
      refs->push_back(*it);
    }
    return;
  }
  std::vector<uint32_t> hits;
  ForEach([&](uint64_t, uint32_t ref) {
    if (matches(ref)) hits.push_back(ref);
  });
  std::sort(hits.begin(), hits.end(), [&](uint32_t a, uint32_t b) { return BytesKey(a) < BytesKey(b); });
  if (hits.size() > limit) hits.resize(limit);
  refs->insert(refs->end(), hits.begin(), hits.end());
}

}  // namespace laminar::state
