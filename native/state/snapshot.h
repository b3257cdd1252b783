// Snapshot files of a StateStore. Layout (little-endian), version 1:
//
//   header, 64 bytes:
//     0 magic "LMSTATE1"    8 u32 version        12 u8 key kind, u8 value kind, u8 flags, u8 0
//    16 u32 width          20 u32 0             24 u64 entry count
//    32 u64 body bytes     40 u32 body CRC32C   44..59 zero
//    60 u32 CRC32C of bytes 0..59
//   body: per entry, the key (u64, or u32 length + bytes) then the value (width words, or
//   u32 length + bytes).
//
// Writing goes to "<path>.tmp", is fsynced and renamed over <path>, so a crash leaves the old
// snapshot or the new one, never a torn file. Loading checks both checksums and every length
// before trusting it: a corrupt or truncated file throws StateError(CORRUPTION), never reads out
// of bounds, and never allocates more than the file's size justifies.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "state/hash_store.h"

namespace laminar::state {

constexpr uint32_t kSnapshotVersion = 1;
constexpr size_t kSnapshotHeaderBytes = 64;

/** Writes the store to `path` atomically. Throws StateError(IO_ERROR). Returns bytes written. */
uint64_t WriteSnapshot(const StateStore& store, const std::string& path);

/** Builds a store from snapshot bytes. `max_entries` 0 = the default limit. Throws CORRUPTION. */
std::unique_ptr<StateStore> LoadSnapshotBytes(const uint8_t* data, size_t len, uint64_t max_entries);

/** Reads and loads a snapshot file. Throws IO_ERROR (cannot read) or CORRUPTION. */
std::unique_ptr<StateStore> LoadSnapshotFile(const std::string& path, uint64_t max_entries);

}  // namespace laminar::state
