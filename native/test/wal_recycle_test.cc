// WAL segment recycling: retired segments are reused without zeroing, so a segment may hold an
// earlier incarnation's frames after its written part. These tests check that replay never
// returns such stale bytes (after a clean close, after a crash image, after a lost header, after a
// torn record) and that the kept free files are bounded.
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "test/wal_harness.h"

using namespace laminar_wal_test;

namespace {

// Same length as Payload(lsn), other bytes: a stale frame of an earlier run with the same LSN at
// the same offset would show up as the wrong payload.
std::string SecondPayload(uint64_t lsn) {
  std::string s = Payload(lsn);
  for (auto& c : s) c = static_cast<char>(~c);
  return s;
}

bool AllMatchWith(const Replayed& r, uint64_t first, uint64_t last, std::string (*payload)(uint64_t)) {
  if (r.records.size() != last - first + 1) return false;
  for (uint64_t lsn = first; lsn <= last; lsn++) {
    const auto& rec = r.records[lsn - first];
    if (rec.first != lsn || rec.second != payload(lsn)) return false;
  }
  return true;
}

WalOptions RecycleOptions(const std::string& dir, uint32_t keep = 2) {
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kPwrite);
  o.recycle_segments = keep;
  return o;
}

std::vector<std::string> FreeFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    uint64_t n;
    if (ParseFreeSegmentFileName(e.path().filename().string(), &n)) out.push_back(e.path().string());
  }
  return out;
}

ino_t Inode(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// What a crash right now would leave: a copy of every segment as the page cache holds it.
std::string CrashImage(const std::string& dir, const char* name) {
  std::string copy = TempDir(name);
  fs::create_directories(copy);
  for (const auto& e : fs::directory_iterator(dir)) {
    uint64_t lsn;
    if (ParseSegmentFileName(e.path().filename().string(), &lsn)) fs::copy_file(e.path(), copy + "/" + e.path().filename().string());
  }
  return copy;
}

uint64_t AppendRange(Log& log, uint64_t first, uint64_t last, std::string (*payload)(uint64_t)) {
  uint64_t lsn = 0;
  for (uint64_t l = first; l <= last; l++) {
    lsn = log.Append(payload(l));
    if (l % 64 == 0) log.Publish();
  }
  log.Publish();
  return lsn;
}

ScanResult ScanFile(const std::string& path, uint64_t first_lsn) {
  std::vector<uint8_t> bytes(fs::file_size(path));
  int fd = open(path.c_str(), O_RDONLY);
  CHECK_EQ(pread(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return ScanSegment(bytes.data(), bytes.size(), first_lsn, nullptr);
}

// Writes records, retiring everything below the durable point now and then (as checkpoints do),
// so that later segments are recycled files. Returns the last LSN.
uint64_t WriteWithCheckpoints(Log& log, uint64_t first, uint64_t last, std::string (*payload)(uint64_t)) {
  std::string err;
  for (uint64_t at = first; at <= last; at += 500) {
    uint64_t end = std::min(last, at + 499);
    AppendRange(log, at, end, payload);
    CHECK(log.WaitDurable(end));
    CHECK(log.writer->TruncateBefore(end, &err) >= 0);
  }
  return last;
}

}  // namespace

TEST(retired_segments_are_reused_and_replay_stays_exact) {
  std::string dir = TempDir("reuse");
  Log log;
  CHECK(log.Open(RecycleOptions(dir)));
  std::string err;
  AppendRange(log, 1, 1500, Payload);
  CHECK(log.WaitDurable(1500));
  std::vector<SegmentInfo> segs;
  CHECK(ListSegments(dir, &segs, &err));
  CHECK(segs.size() >= 4);
  CHECK_EQ(log.writer->TruncateBefore(1500, &err), static_cast<int>(segs.size() - 1));
  // Two kept for reuse (the bound), the others deleted.
  CHECK_EQ(FreeFiles(dir).size(), 2u);
  CHECK_EQ(log.writer->free_segments(), 2u);
  // (Inodes of the kept files: they stay allocated, so no new file can take their numbers.)
  std::set<ino_t> retired;
  for (const std::string& f : FreeFiles(dir)) retired.insert(Inode(f));
  AppendRange(log, 1501, 4000, Payload);
  CHECK(log.WaitDurable(4000));
  CHECK(log.Close());
  CHECK(ListSegments(dir, &segs, &err));
  size_t reused = 0;
  for (const auto& s : segs) reused += retired.count(Inode(s.path));
  CHECK_EQ(reused, 2u);  // both kept files became segments again
  Replayed r = Replay(dir, segs.front().first_lsn);
  CHECK(r.ok);
  CHECK(AllMatch(r, segs.front().first_lsn, 4000));
  CHECK_EQ(r.stop.kind, ReplayStop::kEnd);
  fs::remove_all(dir);
}

TEST(recycle_zero_deletes_retired_segments) {
  std::string dir = TempDir("norecycle");
  Log log;
  CHECK(log.Open(RecycleOptions(dir, 0)));
  std::string err;
  AppendRange(log, 1, 1500, Payload);
  CHECK(log.WaitDurable(1500));
  CHECK(log.writer->TruncateBefore(1500, &err) >= 3);
  CHECK_EQ(FreeFiles(dir).size(), 0u);
  CHECK(log.Close());
  fs::remove_all(dir);
}

// A recycled segment written shorter than its previous incarnation, then a crash (an unsealed
// image): the rest of the file is the old incarnation's frames; none may be replayed, and after
// reopening (which clears that tail) new records follow exactly.
TEST(stale_tail_of_a_shorter_recycled_segment_is_never_replayed) {
  std::string dir = TempDir("stale");
  Log log;
  CHECK(log.Open(RecycleOptions(dir)));
  WriteWithCheckpoints(log, 1, 3000, Payload);
  std::vector<SegmentInfo> segs;
  std::string err;
  CHECK(ListSegments(dir, &segs, &err));
  // Fill the current segment, roll into a recycled one and write just a few records.
  uint64_t last = 3000;
  while (true) {
    CHECK(ListSegments(dir, &segs, &err));
    if (segs.size() >= 2) break;
    last = AppendRange(log, last + 1, last + 50, Payload);
    CHECK(log.WaitDurable(last));
  }
  CHECK(log.WaitDurable(last));
  std::string image = CrashImage(dir, "stale-image");
  CHECK(log.Close());
  // The image's last segment is a recycled file: bytes after the written part are not zero.
  CHECK(ListSegments(image, &segs, &err));
  const SegmentInfo tail = segs.back();
  ScanResult scan = ScanFile(tail.path, tail.first_lsn);
  CHECK(!scan.sealed);
  CHECK_EQ(scan.next_lsn, last + 1);
  {
    std::vector<uint8_t> rest(fs::file_size(tail.path) - scan.end_offset);
    int fd = open(tail.path.c_str(), O_RDONLY);
    CHECK_EQ(pread(fd, rest.data(), rest.size(), static_cast<off_t>(scan.end_offset)), static_cast<ssize_t>(rest.size()));
    close(fd);
    size_t nonzero = 0;
    for (uint8_t b : rest) nonzero += b != 0;
    CHECK(nonzero > rest.size() / 4);  // an earlier incarnation's frames
  }
  Replayed r = Replay(image, segs.front().first_lsn);
  CHECK(r.ok);
  CHECK(AllMatch(r, segs.front().first_lsn, last));
  {
    Log again;
    CHECK(again.Open(RecycleOptions(image)));
    CHECK_EQ(again.writer->last_lsn_at_open(), last);
    AppendRange(again, last + 1, last + 20, SecondPayload);
    CHECK(again.WaitDurable(last + 20));
    std::string image2 = CrashImage(image, "stale-image2");
    CHECK(again.Close());
    for (const std::string& d : {image, image2}) {
      Replayed after = Replay(d, segs.front().first_lsn);
      CHECK(after.ok);
      CHECK(AllMatch(Replayed{{after.records.begin(), after.records.end() - 20}, {}, true, ""}, segs.front().first_lsn, last));
      CHECK(AllMatchWith(Replayed{{after.records.end() - 20, after.records.end()}, {}, true, ""}, last + 1, last + 20, SecondPayload));
    }
    fs::remove_all(image2);
  }
  fs::remove_all(image);
  fs::remove_all(dir);
}

// Records of a run are written, then the next run rewrites the same LSNs with other payloads of
// the same sizes (frames at the same offsets) after the first run's header was lost. The stale
// frames then carry exactly the expected LSNs: only the salt tells them apart.
TEST(frames_after_a_lost_header_fail_the_new_salt) {
  std::string dir = TempDir("losthead");
  WalOptions o = RecycleOptions(dir);
  o.segment_bytes = 1 << 20;
  {
    Log log;
    CHECK(log.Open(o));
    AppendRange(log, 1, 200, Payload);
    CHECK(log.WaitDurable(200));
    CHECK(log.Close());
  }
  std::string seg = dir + "/" + SegmentFileName(1);
  {
    // The header never reached disk: zero it (what a new file shows), frames stay.
    std::vector<uint8_t> zeros(kSegmentHeaderBytes, 0);
    int fd = open(seg.c_str(), O_RDWR);
    CHECK_EQ(pwrite(fd, zeros.data(), zeros.size(), 0), static_cast<ssize_t>(zeros.size()));
    close(fd);
  }
  Replayed none = Replay(dir, 1);
  CHECK(none.records.empty());
  CHECK_EQ(none.stop.kind, ReplayStop::kTornTail);
  std::string image;
  {
    Log log;
    CHECK(log.Open(o));
    CHECK_EQ(log.writer->last_lsn_at_open(), 0u);
    AppendRange(log, 1, 50, SecondPayload);
    CHECK(log.WaitDurable(50));
    image = CrashImage(dir, "losthead-image");
    CHECK(log.Close());
  }
  // Frame 51 of the old run sits right after frame 50 with LSN 51: a scan that ignored the salt
  // would return it (and 52..200).
  Replayed r = Replay(image, 1);
  CHECK(AllMatchWith(r, 1, 50, SecondPayload));
  CHECK_EQ(r.stop.lsn, 51u);
  CHECK(r.stop.reason.find("checksum") != std::string::npos);
  Replayed closed = Replay(dir, 1);
  CHECK(AllMatchWith(closed, 1, 50, SecondPayload));
  CHECK_EQ(closed.stop.kind, ReplayStop::kEnd);
  fs::remove_all(image);
  fs::remove_all(dir);
}

// A recycled file renamed for a new segment whose new header never reached disk still shows the
// header of its previous incarnation (an older first LSN): an empty segment, not corruption.
TEST(recycled_segment_with_its_old_header_recovers_as_empty) {
  std::string dir = TempDir("oldhead");
  Log log;
  CHECK(log.Open(RecycleOptions(dir)));
  uint64_t last = WriteWithCheckpoints(log, 1, 3000, Payload);
  std::vector<SegmentInfo> segs;
  std::string err;
  CHECK(log.Close());
  CHECK(ListSegments(dir, &segs, &err));
  const SegmentInfo tail = segs.back();
  ScanResult before = ScanFile(tail.path, tail.first_lsn);
  CHECK(before.sealed);
  CHECK_EQ(before.next_lsn, last + 1);
  // Pretend the last segment was just renamed from a free file: give it an older header.
  CHECK(tail.first_lsn > 1);
  uint8_t header[kSegmentHeaderBytes];
  EncodeSegmentHeader(header, tail.first_lsn - 1, fs::file_size(tail.path), 12345);
  int fd = open(tail.path.c_str(), O_RDWR);
  CHECK_EQ(pwrite(fd, header, sizeof header, 0), static_cast<ssize_t>(sizeof header));
  close(fd);
  CHECK(ScanFile(tail.path, tail.first_lsn).stale_header);
  Replayed r = Replay(dir, segs.front().first_lsn);
  CHECK(AllMatch(r, segs.front().first_lsn, tail.first_lsn - 1));
  CHECK_EQ(r.stop.kind, ReplayStop::kTornTail);
  Log again;
  CHECK(again.Open(RecycleOptions(dir)));
  CHECK_EQ(again.writer->last_lsn_at_open(), tail.first_lsn - 1);
  AppendRange(again, tail.first_lsn, tail.first_lsn + 9, SecondPayload);
  CHECK(again.WaitDurable(tail.first_lsn + 9));
  CHECK(again.Close());
  Replayed after = Replay(dir, tail.first_lsn);
  CHECK(AllMatchWith(after, tail.first_lsn, tail.first_lsn + 9, SecondPayload));
  CHECK_EQ(after.stop.kind, ReplayStop::kEnd);
  fs::remove_all(dir);
}

// A torn record in a recycled segment: replay stops there; reopening clears the rest (the torn
// record and the old incarnation's bytes) and continues at its LSN.
TEST(torn_record_in_a_recycled_segment) {
  std::string dir = TempDir("tornrecycled");
  Log log;
  CHECK(log.Open(RecycleOptions(dir)));
  uint64_t last = WriteWithCheckpoints(log, 1, 3000, Payload);
  std::vector<SegmentInfo> segs;
  std::string err;
  std::string image = CrashImage(dir, "tornrecycled-image");
  CHECK(log.Close());
  CHECK(ListSegments(image, &segs, &err));
  const SegmentInfo tail = segs.back();
  CHECK(last - tail.first_lsn >= 5);
  uint64_t torn = last - 3;
  while (Payload(torn).empty()) torn--;  // the flipped byte must be inside the torn record
  CorruptByte(tail.path, FrameOffset(tail.first_lsn, torn) + kFrameHeaderBytes);
  Replayed r = Replay(image, segs.front().first_lsn);
  CHECK(AllMatch(r, segs.front().first_lsn, torn - 1));
  CHECK_EQ(r.stop.kind, ReplayStop::kTornTail);
  CHECK_EQ(r.stop.lsn, torn);
  Log again;
  CHECK(again.Open(RecycleOptions(image)));
  CHECK_EQ(again.writer->last_lsn_at_open(), torn - 1);
  // Same sizes as the dropped records: their frames would sit at the same offsets.
  AppendRange(again, torn, last, SecondPayload);
  CHECK(again.WaitDurable(last));
  CHECK(again.Close());
  Replayed after = Replay(image, torn);
  CHECK(AllMatchWith(after, torn, last, SecondPayload));
  CHECK_EQ(after.stop.kind, ReplayStop::kEnd);
  fs::remove_all(image);
  fs::remove_all(dir);
}

// A clean close seals the tail; the next open clears the seal durably before writing, so a crash
// in that run cannot leave the seal in front of newer frames.
TEST(close_seals_and_reopen_clears_the_seal_first) {
  std::string dir = TempDir("seal");
  WalOptions o = RecycleOptions(dir);
  o.segment_bytes = 1 << 20;
  {
    Log log;
    CHECK(log.Open(o));
    AppendRange(log, 1, 10, Payload);
    CHECK(log.WaitDurable(10));
    CHECK(log.Close());
  }
  std::string seg = dir + "/" + SegmentFileName(1);
  ScanResult sealed = ScanFile(seg, 1);
  CHECK(sealed.sealed);
  CHECK_EQ(sealed.next_lsn, 11u);
  Log log;
  CHECK(log.Open(o));
  CHECK_EQ(log.writer->last_lsn_at_open(), 10u);
  ScanResult open_scan = ScanFile(seg, 1);
  CHECK(!open_scan.sealed);
  CHECK_EQ(open_scan.end_offset, sealed.end_offset);
  AppendRange(log, 11, 30, Payload);
  CHECK(log.WaitDurable(30));
  CHECK(log.Close());
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, 30));
  CHECK_EQ(r.stop.kind, ReplayStop::kEnd);
  fs::remove_all(dir);
}

TEST(free_files_survive_reopen_and_are_bounded) {
  std::string dir = TempDir("freebound");
  {
    Log log;
    CHECK(log.Open(RecycleOptions(dir, 3)));
    WriteWithCheckpoints(log, 1, 3000, Payload);
    CHECK(log.Close());
  }
  size_t kept = FreeFiles(dir).size();
  CHECK(kept >= 1 && kept <= 3);
  {
    Log log;
    CHECK(log.Open(RecycleOptions(dir, 1)));  // a smaller bound deletes the extra files on open
    CHECK(log.writer->free_segments() <= 1u);
    CHECK(FreeFiles(dir).size() <= 1u);
    CHECK(log.Close());
  }
  fs::remove_all(dir);
}

int main() { return laminar_test::RunAll(); }
