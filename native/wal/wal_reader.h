// Reads a write-ahead log back: validates every frame (length, CRC32C, consecutive LSNs) and
// stops cleanly at the first invalid byte, saying where and why.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace laminar::wal {

enum class ScanStatus {
  kEnd,      // clean end: a zero record header or the end of the segment
  kCorrupt,  // a record is invalid (CRC, length, LSN); the bytes from `offset` on are not trusted
  kBadHeader,
};

struct ScanResult {
  ScanStatus status = ScanStatus::kEnd;
  uint64_t first_lsn = 0;  // from the segment header
  uint64_t next_lsn = 0;   // LSN the next valid record would carry
  uint64_t end_offset = 0; // where the valid part ends (append position)
  uint32_t salt = 0;       // from the segment header: seeds every frame checksum
  bool sealed = false;     // kEnd at a seal (the writer closed cleanly right there)
  bool stale_header = false;  // kBadHeader: a valid header of an older incarnation (recycled file)
  std::string reason;      // for kCorrupt / kBadHeader
};

/**
 * Decodes the frame at `off` of a segment whose frames are checksummed with `salt`: 1 for a
 * record continuing the sequence (`*len` set), 0 for a clean end (zero header or zero padding),
 * 2 for a seal carrying `expected_lsn`, -1 for anything else (`reason` set): a torn or damaged
 * frame, or bytes of an earlier incarnation of a recycled segment.
 */
int DecodeFrameAt(const uint8_t* data, uint64_t size, uint64_t off, uint64_t expected_lsn, uint32_t salt,
                  uint32_t* len, std::string* reason);

/**
 * Scans one segment held in memory. `on_record(lsn, payload, len)` is called for each valid record
 * (return false to stop early). `expected_first_lsn` (0 = any) rejects a header naming another LSN.
 * Never reads outside [data, data + size).
 */
ScanResult ScanSegment(const uint8_t* data, uint64_t size, uint64_t expected_first_lsn,
                       const std::function<bool(uint64_t, const uint8_t*, uint32_t)>& on_record);

struct SegmentInfo {
  uint64_t first_lsn;
  std::string path;
};
/** Segments of a log directory in LSN order; false with `error` when the directory is unreadable. */
bool ListSegments(const std::string& dir, std::vector<SegmentInfo>* out, std::string* error);

/** Where and why a replay stopped. */
struct ReplayStop {
  enum Kind { kEnd, kTornTail, kCorrupt } kind = kEnd;
  std::string segment;  // path of the segment where reading stopped ("" when the log is empty)
  uint64_t offset = 0;  // byte offset in that segment
  uint64_t lsn = 0;     // LSN of the first record not returned
  std::string reason;
};

/**
 * Replays a log directory from an LSN in batches (one segment is mapped at a time). A stop inside
 * the last segment is a torn tail (a crash mid-write: normal); a stop before the last segment
 * or a gap between segments is corruption.
 */
class WalReader {
 public:
  bool Open(const std::string& dir, uint64_t from_lsn, std::string* error);
  ~WalReader();
  /**
   * Appends up to about `max_bytes` of payloads to `payloads` (record i ends at `ends[i]`) and
   * sets `first_lsn`; records are consecutive. Returns false (nothing appended) at the end.
   */
  bool NextBatch(uint64_t max_bytes, std::vector<uint8_t>* payloads, std::vector<uint32_t>* ends,
                 uint64_t* first_lsn, std::string* error);
  const ReplayStop& stop() const { return stop_; }
  bool done() const { return done_; }

 private:
  bool MapSegment(size_t index, std::string* error);
  void Unmap();
  std::vector<SegmentInfo> segments_;
  size_t index_ = 0;
  const uint8_t* map_ = nullptr;
  uint64_t map_size_ = 0;
  uint64_t offset_ = 0;      // scan position within the mapped segment
  uint64_t next_lsn_ = 0;    // next LSN expected
  uint32_t salt_ = 0;        // of the mapped segment
  uint64_t from_lsn_ = 1;
  bool done_ = false;
  ReplayStop stop_;
};

}  // namespace laminar::wal
