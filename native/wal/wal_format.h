// On-disk format of the write-ahead log. A log is a directory of segment files named
// <first LSN, 20 digits>.wal, each preallocated to a fixed size and pre-zeroed:
//
//   segment header (64 bytes): magic "LAMWAL01", u32 version, u32 header bytes, u64 first LSN,
//                              u64 segment bytes, zero padding, u32 CRC32C of bytes 0..59 at 60
//   records, each 8-byte aligned: u32 payload length, u32 CRC32C(length, LSN, payload),
//                              u64 LSN, payload, zero padding to 8 bytes
//
// LSNs are consecutive record numbers starting at 1. A record header of 16 zero bytes marks the
// end of the written part (the rest of a pre-zeroed segment). Everything is little-endian.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "wal/crc32c.h"

namespace laminar::wal {

constexpr char kSegmentMagic[8] = {'L', 'A', 'M', 'W', 'A', 'L', '0', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kSegmentHeaderBytes = 64;
constexpr uint32_t kFrameHeaderBytes = 16;
/** Largest record payload the format allows (a record must fit in one segment anyway). */
constexpr uint32_t kMaxRecordBytes = 1u << 30;

inline uint64_t FrameSpan(uint32_t len) { return (uint64_t{kFrameHeaderBytes} + len + 7) & ~uint64_t{7}; }

inline uint32_t FrameCrc(uint32_t len, uint64_t lsn, const void* payload) {
  uint8_t head[12];
  std::memcpy(head, &len, 4);
  std::memcpy(head + 4, &lsn, 8);
  return Crc32c(Crc32c(0, head, 12), payload, len);
}

/** Writes a record frame at `out` (FrameSpan(len) bytes, padding zeroed). */
inline void EncodeFrame(uint8_t* out, uint64_t lsn, const void* payload, uint32_t len) {
  uint32_t crc = FrameCrc(len, lsn, payload);
  std::memcpy(out, &len, 4);
  std::memcpy(out + 4, &crc, 4);
  std::memcpy(out + 8, &lsn, 8);
  if (len) std::memcpy(out + kFrameHeaderBytes, payload, len);
  uint64_t span = FrameSpan(len);
  for (uint64_t i = kFrameHeaderBytes + len; i < span; i++) out[i] = 0;
}

inline void EncodeSegmentHeader(uint8_t out[kSegmentHeaderBytes], uint64_t first_lsn, uint64_t segment_bytes) {
  std::memset(out, 0, kSegmentHeaderBytes);
  std::memcpy(out, kSegmentMagic, 8);
  std::memcpy(out + 8, &kFormatVersion, 4);
  std::memcpy(out + 12, &kSegmentHeaderBytes, 4);
  std::memcpy(out + 16, &first_lsn, 8);
  std::memcpy(out + 24, &segment_bytes, 8);
  uint32_t crc = Crc32c(0, out, 60);
  std::memcpy(out + 60, &crc, 4);
}

/** Parses a segment header; false when it is not a valid one. */
inline bool DecodeSegmentHeader(const uint8_t* in, uint64_t size, uint64_t* first_lsn) {
  if (size < kSegmentHeaderBytes || std::memcmp(in, kSegmentMagic, 8) != 0) return false;
  uint32_t version, header_bytes, crc;
  std::memcpy(&version, in + 8, 4);
  std::memcpy(&header_bytes, in + 12, 4);
  std::memcpy(&crc, in + 60, 4);
  if (version != kFormatVersion || header_bytes != kSegmentHeaderBytes || crc != Crc32c(0, in, 60)) return false;
  std::memcpy(first_lsn, in + 16, 8);
  return *first_lsn != 0;
}

std::string SegmentFileName(uint64_t first_lsn);
/** Parses "<20 digits>.wal"; false for any other name. */
bool ParseSegmentFileName(const std::string& name, uint64_t* first_lsn);

}  // namespace laminar::wal
