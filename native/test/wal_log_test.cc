// WAL writer + reader: round trip for every policy and backend, segment roll, torn tail,
// corruption, recovery, truncation, disk-full and I/O errors. (Recycling: wal_recycle_test.cc.)
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test/wal_harness.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace fs = std::filesystem;
using namespace laminar::wal;
using laminar::ring::SpscRing;

using namespace laminar_wal_test;

namespace {

void RoundTrip(SyncPolicy policy, BackendKind backend, const char* name) {
  std::string dir = TempDir(name);
  Log log;
  CHECK(log.Open(Options(dir, policy, backend)));
  if (!log.writer) return;
  const uint64_t n = policy == SyncPolicy::kEveryRecord ? 800 : 3000;
  uint64_t last = 0;
  for (uint64_t i = 0; i < n; i++) {
    last = log.Append(Payload(i + 1));
    if (i % 50 == 49) log.Publish();
  }
  log.Publish();
  CHECK_EQ(last, n);
  CHECK(log.WaitDurable(last));
  CHECK(log.Close());
  Replayed r = Replay(dir, 1);
  CHECK(r.ok);
  CHECK(AllMatch(r, 1, n));
  CHECK_EQ(r.stop.kind, ReplayStop::kEnd);
  CHECK_EQ(r.stop.lsn, n + 1);
  // Several segments were written.
  std::vector<SegmentInfo> segs;
  std::string err;
  ListSegments(dir, &segs, &err);
  CHECK(segs.size() > 1);
  // Replay from the middle starts exactly there.
  Replayed mid = Replay(dir, n / 2);
  CHECK(AllMatch(mid, n / 2, n));
  fs::remove_all(dir);
}

}  // namespace

TEST(round_trip_group_pwrite) { RoundTrip(SyncPolicy::kGroup, BackendKind::kPwrite, "group-pwrite"); }
TEST(round_trip_group_uring) { RoundTrip(SyncPolicy::kGroup, BackendKind::kIoUring, "group-uring"); }
TEST(round_trip_every_pwrite) { RoundTrip(SyncPolicy::kEveryRecord, BackendKind::kPwrite, "every-pwrite"); }
TEST(round_trip_every_uring) { RoundTrip(SyncPolicy::kEveryRecord, BackendKind::kIoUring, "every-uring"); }
TEST(round_trip_off_pwrite) { RoundTrip(SyncPolicy::kOff, BackendKind::kPwrite, "off-pwrite"); }
TEST(round_trip_off_uring) { RoundTrip(SyncPolicy::kOff, BackendKind::kIoUring, "off-uring"); }

TEST(group_delay_commits_without_requests) {
  std::string dir = TempDir("delay");
  Log log;
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kAuto);
  o.group_delay_us = 2000;
  CHECK(log.Open(o));
  uint64_t lsn = log.Append(Payload(1));
  log.Publish();
  // No sync request: the delay alone must make it durable.
  auto t0 = std::chrono::steady_clock::now();
  while (log.Slot(kDurableLsn) < 1 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  CHECK_EQ(log.Slot(kDurableLsn), static_cast<int64_t>(lsn));
  CHECK(log.Close());
  fs::remove_all(dir);
}

TEST(group_max_records_commits_a_full_group) {
  std::string dir = TempDir("maxrec");
  Log log;
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kAuto);
  o.group_delay_us = 10'000'000;  // the delay alone would wait 10 s
  o.group_max_records = 5;
  CHECK(log.Open(o));
  for (int i = 1; i <= 4; i++) log.Append(Payload(i));
  log.Publish();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK_EQ(log.Slot(kDurableLsn), 0);  // 4 < 5 records: not yet
  log.Append(Payload(5));
  log.Publish();
  auto t0 = std::chrono::steady_clock::now();
  while (log.Slot(kDurableLsn) < 5 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  CHECK_EQ(log.Slot(kDurableLsn), 5);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
  CHECK(log.Close());
  fs::remove_all(dir);
}

TEST(off_policy_syncs_only_on_request) {
  std::string dir = TempDir("off");
  Log log;
  CHECK(log.Open(Options(dir, SyncPolicy::kOff, BackendKind::kPwrite)));
  log.Append(Payload(1));
  log.Publish();
  auto t0 = std::chrono::steady_clock::now();
  while (log.Slot(kWrittenLsn) < 1 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_EQ(log.Slot(kWrittenLsn), 1);
  CHECK_EQ(log.Slot(kDurableLsn), 0);
  CHECK(log.WaitDurable(1));
  CHECK(log.Close());
  fs::remove_all(dir);
}

TEST(notify_fires_when_durable_reaches_threshold) {
  std::string dir = TempDir("notify");
  Log log;
  CHECK(log.Open(Options(dir, SyncPolicy::kGroup, BackendKind::kAuto)));
  std::atomic_ref<int64_t>(log.control[kNotifyAtLsn]).store(3);
  for (int i = 1; i <= 3; i++) log.Append(Payload(i));
  log.Publish();
  auto t0 = std::chrono::steady_clock::now();
  while (log.notifications.load() == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  CHECK_EQ(log.notifications.load(), 1);
  CHECK(log.Slot(kDurableLsn) >= 3);
  CHECK_EQ(log.Slot(kNotifyAtLsn), 0);
  CHECK(log.Close());
  fs::remove_all(dir);
}

TEST(reopen_continues_lsns) {
  std::string dir = TempDir("reopen");
  for (int round = 0; round < 3; round++) {
    Log log;
    CHECK(log.Open(Options(dir, SyncPolicy::kGroup, BackendKind::kAuto)));
    CHECK_EQ(log.writer->last_lsn_at_open(), uint64_t(round * 500));
    uint64_t last = 0;
    for (int i = 0; i < 500; i++) last = log.Append(Payload(log.next_lsn));
    log.Publish();
    CHECK(log.WaitDurable(last));
    CHECK(log.Close());
  }
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, 1500));
  fs::remove_all(dir);
}

TEST(torn_tail_stops_cleanly_and_recovers) {
  std::string dir = TempDir("torn");
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kAuto);
  o.segment_bytes = 1 << 20;
  {
    Log log;
    CHECK(log.Open(o));
    for (int i = 0; i < 100; i++) log.Append(Payload(i + 1));
    log.Publish();
    CHECK(log.WaitDurable(100));
    CHECK(log.Close());
  }
  std::string seg = dir + "/" + SegmentFileName(1);
  // Tear record 90: flip a payload byte (a partial write looks the same to the checksum).
  CorruptByte(seg, FrameOffset(1, 90) + kFrameHeaderBytes + 1);
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, 89));
  CHECK_EQ(r.stop.kind, ReplayStop::kTornTail);
  CHECK_EQ(r.stop.lsn, 90u);
  CHECK_EQ(r.stop.offset, FrameOffset(1, 90));
  CHECK_EQ(r.stop.segment, seg);
  CHECK(r.stop.reason.find("checksum") != std::string::npos);
  // Reopening drops the torn records and continues at 90; the stale frames are zeroed.
  {
    Log log;
    CHECK(log.Open(o));
    CHECK_EQ(log.writer->last_lsn_at_open(), 89u);
    log.Append(Payload(90));
    log.Publish();
    CHECK(log.WaitDurable(90));
    CHECK(log.Close());
  }
  Replayed again = Replay(dir, 1);
  CHECK(AllMatch(again, 1, 90));
  CHECK_EQ(again.stop.kind, ReplayStop::kEnd);
  fs::remove_all(dir);
}

// A roll writes the new segment's header without syncing it (the next commit's sync carries it):
// a crash before that commit leaves the newest segment all zeros, header included. Replay stops
// cleanly before it, and reopening restarts that segment at its first LSN.
TEST(rolled_segment_whose_header_never_reached_disk_recovers_as_empty) {
  std::string dir = TempDir("zerohead");
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kPwrite);
  uint64_t n = 2000;
  {
    Log log;
    CHECK(log.Open(o));
    for (uint64_t i = 0; i < n; i++) log.Append(Payload(i + 1));
    log.Publish();
    CHECK(log.WaitDurable(n));
    CHECK(log.Close());
  }
  std::vector<SegmentInfo> segs;
  std::string err;
  CHECK(ListSegments(dir, &segs, &err));
  CHECK(segs.size() > 2);
  const SegmentInfo last = segs.back();
  {
    int fd = open(last.path.c_str(), O_RDWR);
    struct stat st {};
    fstat(fd, &st);
    std::vector<uint8_t> zeros(static_cast<size_t>(st.st_size), 0);
    CHECK_EQ(pwrite(fd, zeros.data(), zeros.size(), 0), static_cast<ssize_t>(zeros.size()));
    close(fd);
  }
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, last.first_lsn - 1));
  CHECK_EQ(r.stop.kind, ReplayStop::kTornTail);
  {
    Log log;
    CHECK(log.Open(o));
    CHECK_EQ(log.writer->last_lsn_at_open(), last.first_lsn - 1);
    uint64_t lsn = 0;
    for (uint64_t l = last.first_lsn; l <= n; l++) lsn = log.Append(Payload(l));
    log.Publish();
    CHECK_EQ(lsn, n);
    CHECK(log.WaitDurable(n));
    CHECK(log.Close());
  }
  Replayed again = Replay(dir, 1);
  CHECK(AllMatch(again, 1, n));
  CHECK_EQ(again.stop.kind, ReplayStop::kEnd);
  fs::remove_all(dir);
}

TEST(truncated_file_is_a_torn_tail) {
  std::string dir = TempDir("short");
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kPwrite);
  o.segment_bytes = 1 << 20;
  {
    Log log;
    CHECK(log.Open(o));
    for (int i = 0; i < 10; i++) log.Append(Payload(i + 1));
    log.Publish();
    CHECK(log.WaitDurable(10));
    CHECK(log.Close());
  }
  std::string seg = dir + "/" + SegmentFileName(1);
  CHECK_EQ(truncate(seg.c_str(), static_cast<off_t>(FrameOffset(1, 7) + 20)), 0);
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, 6));
  CHECK_EQ(r.stop.kind, ReplayStop::kTornTail);
  CHECK_EQ(r.stop.lsn, 7u);
  fs::remove_all(dir);
}

TEST(corruption_before_the_last_segment_is_reported) {
  std::string dir = TempDir("corrupt");
  Log log;
  CHECK(log.Open(Options(dir, SyncPolicy::kGroup, BackendKind::kAuto)));
  for (int i = 0; i < 2000; i++) log.Append(Payload(i + 1));
  log.Publish();
  CHECK(log.WaitDurable(2000));
  CHECK(log.Close());
  // A missing middle segment is a gap: corruption.
  std::vector<SegmentInfo> segs;
  std::string err;
  ListSegments(dir, &segs, &err);
  CHECK(segs.size() >= 4);
  fs::remove(segs[2].path);
  Replayed g = Replay(dir, segs[1].first_lsn);
  CHECK(AllMatch(g, segs[1].first_lsn, segs[2].first_lsn - 1));
  CHECK_EQ(g.stop.kind, ReplayStop::kCorrupt);
  CHECK(g.stop.reason.find("expected") != std::string::npos);
  // A damaged record in an early segment.
  CorruptByte(dir + "/" + SegmentFileName(1), FrameOffset(1, 5) + 2);  // length field of record 5
  Replayed r = Replay(dir, 1);
  CHECK(AllMatch(r, 1, 4));
  CHECK_EQ(r.stop.kind, ReplayStop::kCorrupt);
  CHECK_EQ(r.stop.lsn, 5u);
  fs::remove_all(dir);
}

TEST(bad_header_in_a_used_segment_refuses_to_open) {
  std::string dir = TempDir("badheader");
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kAuto);
  {
    Log log;
    CHECK(log.Open(o));
    log.Append(Payload(1));
    log.Publish();
    CHECK(log.WaitDurable(1));
    CHECK(log.Close());
  }
  CorruptByte(dir + "/" + SegmentFileName(1), 3);
  Log log;
  CHECK(!log.Open(o));
  CHECK_EQ(log.code, int(kCorruption));
  CHECK(log.error.find("invalid segment header") != std::string::npos);
  fs::remove_all(dir);
}

TEST(truncate_before_deletes_whole_segments_only) {
  std::string dir = TempDir("truncate");
  Log log;
  CHECK(log.Open(Options(dir, SyncPolicy::kGroup, BackendKind::kAuto)));
  for (int i = 0; i < 3000; i++) log.Append(Payload(i + 1));
  log.Publish();
  CHECK(log.WaitDurable(3000));
  std::vector<SegmentInfo> segs;
  std::string err;
  ListSegments(dir, &segs, &err);
  size_t before = segs.size();
  CHECK(before >= 4);
  // An LSN inside segment 2 deletes segments 0 and 1 only... no: segment 1 holds it, so only 0 goes.
  uint64_t inside = segs[1].first_lsn + 1;
  CHECK_EQ(log.writer->TruncateBefore(inside, &err), 1);
  Replayed r = Replay(dir, inside);
  CHECK(AllMatch(r, inside, 3000));
  Replayed gone = Replay(dir, 1);
  CHECK(!gone.ok);
  CHECK(gone.error.find("no longer holds") != std::string::npos);
  // Everything: the active segment stays.
  CHECK_EQ(log.writer->TruncateBefore(1'000'000, &err), int(before - 2));
  ListSegments(dir, &segs, &err);
  CHECK_EQ(segs.size(), 1u);
  // Appends keep working after truncation.
  log.Append(Payload(3001));
  log.Publish();
  CHECK(log.WaitDurable(3001));
  CHECK(log.Close());
  fs::remove_all(dir);
}

TEST(disk_full_surfaces_as_an_error) {
  std::string dir = TempDir("full");
  Log log;
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kPwrite);
  o.pre_zero = false;
  o.fail_after_bytes = 64 + 5000;  // header + a few records
  o.fail_errno = ENOSPC;
  CHECK(log.Open(o));
  uint64_t last = 0;
  for (int i = 0; i < 200 && log.Slot(kErrorCode) == 0; i++) {
    last = log.Append(Payload(i + 1));
    log.Publish();
  }
  CHECK(!log.WaitDurable(last, 3000));
  CHECK_EQ(log.Slot(kErrorCode), int64_t(kDiskFull));
  CHECK(log.writer->error_message().find("No space left") != std::string::npos);
  CHECK(log.notifications.load() >= 1);
  CHECK(!log.Close());
  CHECK(log.error.find("No space left") != std::string::npos);
  fs::remove_all(dir);
}

TEST(real_io_error_from_file_size_limit) {
  // RLIMIT_FSIZE makes the kernel refuse to grow the next segment (EFBIG): a genuine I/O error.
  std::string dir = TempDir("efbig");
  signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  Log log;
  WalOptions o = Options(dir, SyncPolicy::kGroup, BackendKind::kAuto);
  CHECK(log.Open(o));
  rlimit small = old;
  small.rlim_cur = 32 * 1024;  // writes past 32 KiB of any file fail
  setrlimit(RLIMIT_FSIZE, &small);
  uint64_t last = 0;
  for (int i = 0; i < 2000 && log.Slot(kErrorCode) == 0; i++) last = log.Append(Payload(i + 1));
  log.Publish();
  CHECK(!log.WaitDurable(last, 5000));
  setrlimit(RLIMIT_FSIZE, &old);
  CHECK_EQ(log.Slot(kErrorCode), int64_t(kIoError));
  CHECK(log.writer->error_message().find("too large") != std::string::npos);
  CHECK(!log.Close());
  fs::remove_all(dir);
}

TEST(forced_uring_reports_or_works) {
  std::string err;
  auto b = MakeIoBackend(BackendKind::kIoUring, &err);
  // On this project's kernels io_uring works; elsewhere the error must say why.
  CHECK(b != nullptr || err.find("io_uring") != std::string::npos);
  auto a = MakeIoBackend(BackendKind::kAuto, &err);
  CHECK(a != nullptr);
  auto p = MakeIoBackend(BackendKind::kPwrite, &err);
  CHECK(std::string(p->name()) == "pwrite");
}

TEST(scan_never_reads_past_the_buffer) {
  uint8_t seg[256] = {};
  EncodeSegmentHeader(seg, 1, sizeof seg);
  // A frame whose length points past the end.
  uint32_t len = 1000;
  std::memcpy(seg + 64, &len, 4);
  uint64_t lsn = 1;
  std::memcpy(seg + 72, &lsn, 8);
  ScanResult r = ScanSegment(seg, sizeof seg, 0, nullptr);
  CHECK(r.status == ScanStatus::kCorrupt);
  CHECK_EQ(r.end_offset, 64u);
  // A segment shorter than its header.
  CHECK(ScanSegment(seg, 10, 0, nullptr).status == ScanStatus::kBadHeader);
}

int main() { return laminar_test::RunAll(); }
