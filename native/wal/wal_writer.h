// The WAL writer: a native background thread that drains an SPSC ring (filled by JavaScript or
// C++), frames each record with length + CRC32C + LSN into preallocated segment files (pre-zeroed
// when new, recycled from retired segments without zeroing once a checkpoint retired some), and
// makes them durable under a group-commit policy. Progress is published in shared control
// words (see ControlSlot) so JavaScript can poll it without crossing into native code.
#pragma once
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ring/spsc_ring.h"
#include "wal/io_backend.h"

namespace laminar::wal {

enum class SyncPolicy {
  kEveryRecord,  // write + fdatasync each record on its own (no group commit)
  kGroup,        // one fdatasync per group: after `group_delay_us` or `group_max_records`
  kOff,          // never sync on its own (only on sync requests, segment roll and close)
};

struct WalOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull << 20;
  SyncPolicy policy = SyncPolicy::kGroup;
  // kGroup: sync once the oldest unsynced record waited this long (0: after every drained batch,
  // i.e. everything that arrived during the previous sync commits together) ...
  uint32_t group_delay_us = 0;
  // ... or once this many records are unsynced (0: no count limit).
  uint32_t group_max_records = 0;
  BackendKind backend = BackendKind::kAuto;
  bool pre_zero = true;        // write zeros into new segments so appends never change metadata
  // Zero a new spare segment in small written-back chunks with pauses while commits run (false:
  // all at once, synced at the end).
  bool pace_spare = true;
  // Retired segments (TruncateBefore) kept as <n>.free files and reused for new segments instead
  // of creating and zeroing fresh ones; at most this many (0: delete retired segments).
  uint32_t recycle_segments = 2;
  int cpu = -1;                // pin the writer thread to this CPU (-1: no pinning)
  uint64_t start_lsn = 1;      // first LSN of a brand-new log
  uint64_t fail_after_bytes = 0;  // test seam: writes fail with fail_errno after this many bytes
  int fail_errno = 0;
};

/** 64-bit control words shared with JavaScript (a BigInt64Array over the same memory). */
enum ControlSlot {
  kDurableLsn = 0,   // every record <= this LSN is on disk (written by the writer)
  kWrittenLsn = 1,   // every record <= this LSN was handed to the kernel (writer)
  kNotifyAtLsn = 2,  // JS: call me back once durable >= this (0: no one waits)
  kSyncRequest = 3,  // JS: make records <= this durable now, whatever the policy
  kErrorCode = 4,    // writer: a WalErrorCode once the writer failed (sticky)
  kDurableAtNs = 5,  // writer: CLOCK_MONOTONIC ns at which kDurableLsn was last raised
  // For latency breakdowns of the group last made durable (CLOCK_MONOTONIC ns): when the writer
  // took its first record off the ring, and when it started the write + sync that made it durable.
  kGroupTakenAtNs = 6,
  kSyncStartAtNs = 7,
  kControlSlots = 8,
};

enum WalErrorCode : int64_t { kNoError = 0, kIoError = 1, kDiskFull = 2, kCorruption = 3 };

class WalWriter {
 public:
  /** Called on the writer thread when durable >= notify-at, and once when the writer fails. */
  using Notify = std::function<void()>;

  /**
   * Opens (or creates) the log in options.dir, recovers its tail, and starts the writer thread,
   * which consumes the formatted ring in `ring_memory`. `control` must hold kControlSlots aligned
   * int64 words and outlive the writer. nullptr with `error` set when anything fails.
   */
  static std::unique_ptr<WalWriter> Open(const WalOptions& options, void* ring_memory, size_t ring_bytes,
                                         int64_t* control, Notify notify, std::string* error, int* error_code);
  ~WalWriter();

  /** LSN of the last record already in the log when it was opened (start_lsn - 1 if none). */
  uint64_t last_lsn_at_open() const { return last_lsn_at_open_; }
  const char* backend_name() const { return backend_->name(); }
  /** Wakes the writer (after a sync request, or to make it notice published records). */
  void Wake();
  /** Drains the ring, syncs and stops the thread. Returns false with the writer's error if it failed. */
  bool Close(std::string* error);
  /**
   * Retires segments whose records are all below `lsn` (recycled up to options.recycle_segments,
   * deleted beyond); returns how many, or -1 with `error`.
   */
  int TruncateBefore(uint64_t lsn, std::string* error);
  /** The writer's failure, "" while healthy. */
  std::string error_message() const;
  int64_t error_code() const;
  /** Largest record payload this log accepts (a record must fit in one segment). */
  uint64_t max_record_bytes() const { return segment_bytes_ - 64 - 16; }
  /** Retired segment files currently kept for reuse. */
  size_t free_segments() const;

 private:
  WalWriter() = default;
  bool Recover(std::string* error, int* code);
  // `paced`: the spare, zeroed on the helper thread while commits run (see CreateSegmentFile).
  bool CreateSegmentFile(IoBackend* io, const std::string& path, uint64_t size, int* fd, std::string* error,
                         bool paced = false);
  bool StartSegment(uint64_t first_lsn, std::string* error);
  bool TakeFreeSegment(std::string* path);
  bool KeepAsFree(const std::string& path);
  int OpenRecycled(const std::string& free_path, const std::string& to);
  bool Seal();
  bool FlushBuffer(bool sync);
  bool SyncNow();
  bool Roll();
  void StartSparePreparation();
  void FinishSparePreparation();
  void Run();
  void Fail(int err, const std::string& what, bool append_errno = true);
  void PublishDurable();
  int64_t LoadControl(ControlSlot slot) const;
  void StoreControl(ControlSlot slot, int64_t v);
  void SyncDirectory();

  WalOptions options_;
  uint64_t segment_bytes_ = 0;
  std::unique_ptr<IoBackend> backend_;
  ring::SpscRing ring_;
  int64_t* control_ = nullptr;
  Notify notify_;

  int dir_fd_ = -1;
  int seg_fd_ = -1;
  uint64_t seg_size_ = 0;     // size of the current segment file
  uint64_t seg_offset_ = 0;   // append position in the current segment
  uint32_t seg_salt_ = 0;     // seeds the frame checksums of the current segment
  int spare_fd_ = -1;
  std::string spare_path_;
  std::thread spare_thread_;  // preallocates + zeroes the next segment off the commit path
  // Set when a roll needs the spare now (stop pacing) or the log closes (give the spare up).
  std::atomic<bool> spare_hurry_{false};
  std::atomic<bool> spare_cancel_{false};
  std::vector<uint8_t> buffer_;  // framed records not yet written
  uint64_t next_lsn_ = 1;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  uint64_t last_lsn_at_open_ = 0;
  uint64_t unsynced_records_ = 0;
  int64_t first_unsynced_ns_ = 0;
  int64_t sync_start_ns_ = 0;  // when the write + sync now being made durable started

  mutable std::mutex mu_;  // guards segments_, free_, next_free_ and error_
  std::vector<uint64_t> segments_;  // first LSNs, ascending; the last one is being written
  std::vector<std::string> free_;   // paths of retired segment files kept for reuse
  uint64_t next_free_ = 1;          // number of the next <n>.free name
  std::string error_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace laminar::wal
