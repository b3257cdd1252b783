// libFuzzer: arbitrary bytes as a WAL segment. The scanner must stop with a clean status, never
// crash or read outside the input (ASan checks the latter), and every record it accepts must
// lie inside the input and carry consecutive LSNs.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wal/wal_format.h"
#include "wal/wal_reader.h"
// laminar_core is built without fuzzer/ASan instrumentation; compiling the code under test into
// this target gives libFuzzer coverage feedback and ASan bounds checks on it. The archive's copies
// of these objects are then never pulled in by the linker.
#include "wal/crc32c.cc"
#include "wal/wal_reader.cc"

using namespace laminar::wal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copy into an exact-size heap buffer so ASan flags any read past the end.
  std::vector<uint8_t> seg(data, data + size);
  // Half of the inputs get a valid header so the fuzzer reaches the frame decoder quickly.
  if (size >= kSegmentHeaderBytes && (data[0] & 1)) EncodeSegmentHeader(seg.data(), 1 + (data[1] % 4), size);
  const uint8_t* begin = seg.data();
  const uint8_t* end = seg.data() + seg.size();
  uint64_t expected = 0;
  ScanResult r = ScanSegment(seg.data(), seg.size(), 0, [&](uint64_t lsn, const uint8_t* p, uint32_t len) {
    if (expected != 0 && lsn != expected) std::abort();
    if (p < begin || p + len > end) std::abort();
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < len; i++) sink = sink ^ p[i];
    (void)sink;
    expected = lsn + 1;
    return true;
  });
  if (r.end_offset > seg.size() && r.status != ScanStatus::kBadHeader) std::abort();
  return 0;
}
