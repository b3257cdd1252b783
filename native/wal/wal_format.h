// On-disk format of the write-ahead log. A log is a directory of segment files named
// <first LSN, 20 digits>.wal, each preallocated to a fixed size:
//
//   segment header (64 bytes): magic "LAMWAL01", u32 version, u32 header bytes, u64 first LSN,
//                              u64 segment bytes, u32 salt (version 2), zero padding,
//                              u32 CRC32C of bytes 0..59 at 60
//   records, each 8-byte aligned: u32 payload length, u32 CRC32C(length, LSN, payload) seeded
//                              with the segment's salt, u64 LSN, payload, zero padding to 8 bytes
//
// LSNs are consecutive record numbers starting at 1. A segment's written part ends at a record
// header of 16 zero bytes (fewer at the very end of a segment), at a seal (a clean close), or at
// the first frame that does not continue the sequence. Retired segments are recycled (renamed
// and reused without zeroing), so the bytes after the written part may be frames of an earlier
// incarnation: the salt (new at every segment start) and the LSN sequence tell them apart, and a
// rolled segment always ends with a zero record header. Version 1 segments (no salt: seed 0) are
// still read. Everything is little-endian.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "wal/crc32c.h"

namespace laminar::wal {

constexpr char kSegmentMagic[8] = {'L', 'A', 'M', 'W', 'A', 'L', '0', '1'};
constexpr uint32_t kFormatVersion = 2;
/** Oldest version still read (version 1: no salt, i.e. frame checksums seeded with 0). */
constexpr uint32_t kOldestReadableVersion = 1;
constexpr uint32_t kSegmentHeaderBytes = 64;
constexpr uint32_t kFrameHeaderBytes = 16;
/** Largest record payload the format allows (a record must fit in one segment anyway). */
constexpr uint32_t kMaxRecordBytes = 1u << 30;
/**
 * Length field of a seal: a payload-less frame a clean close writes after the last record. It
 * tells recovery that nothing after it was ever written by this incarnation, so appending may
 * continue in place (after a crash recovery must instead zero the unknown tail).
 */
constexpr uint32_t kSealLength = 0xFFFFFFFFu;

inline uint64_t FrameSpan(uint32_t len) { return (uint64_t{kFrameHeaderBytes} + len + 7) & ~uint64_t{7}; }

inline uint32_t FrameHeadCrc(uint32_t salt, uint32_t len, uint64_t lsn) {
  uint8_t head[12];
  std::memcpy(head, &len, 4);
  std::memcpy(head + 4, &lsn, 8);
  return Crc32c(salt, head, 12);
}

inline uint32_t FrameCrc(uint32_t len, uint64_t lsn, const void* payload, uint32_t salt = 0) {
  return Crc32c(FrameHeadCrc(salt, len, lsn), payload, len);
}

/** Writes a record frame at `out` (FrameSpan(len) bytes, padding zeroed). */
inline void EncodeFrame(uint8_t* out, uint64_t lsn, const void* payload, uint32_t len, uint32_t salt = 0) {
  uint32_t crc = FrameCrc(len, lsn, payload, salt);
  std::memcpy(out, &len, 4);
  std::memcpy(out + 4, &crc, 4);
  std::memcpy(out + 8, &lsn, 8);
  if (len) std::memcpy(out + kFrameHeaderBytes, payload, len);
  uint64_t span = FrameSpan(len);
  for (uint64_t i = kFrameHeaderBytes + len; i < span; i++) out[i] = 0;
}

/** Writes the 16-byte seal that continues a segment whose next record would carry `next_lsn`. */
inline void EncodeSeal(uint8_t out[kFrameHeaderBytes], uint64_t next_lsn, uint32_t salt) {
  uint32_t crc = FrameHeadCrc(salt, kSealLength, next_lsn);
  std::memcpy(out, &kSealLength, 4);
  std::memcpy(out + 4, &crc, 4);
  std::memcpy(out + 8, &next_lsn, 8);
}

inline void EncodeSegmentHeader(uint8_t out[kSegmentHeaderBytes], uint64_t first_lsn, uint64_t segment_bytes,
                                uint32_t salt = 0) {
  std::memset(out, 0, kSegmentHeaderBytes);
  std::memcpy(out, kSegmentMagic, 8);
  std::memcpy(out + 8, &kFormatVersion, 4);
  std::memcpy(out + 12, &kSegmentHeaderBytes, 4);
  std::memcpy(out + 16, &first_lsn, 8);
  std::memcpy(out + 24, &segment_bytes, 8);
  std::memcpy(out + 32, &salt, 4);
  uint32_t crc = Crc32c(0, out, 60);
  std::memcpy(out + 60, &crc, 4);
}

/** Parses a segment header; false when it is not a valid one. `salt` is 0 for version 1. */
inline bool DecodeSegmentHeader(const uint8_t* in, uint64_t size, uint64_t* first_lsn, uint32_t* salt = nullptr) {
  if (size < kSegmentHeaderBytes || std::memcmp(in, kSegmentMagic, 8) != 0) return false;
  uint32_t version, header_bytes, crc;
  std::memcpy(&version, in + 8, 4);
  std::memcpy(&header_bytes, in + 12, 4);
  std::memcpy(&crc, in + 60, 4);
  if (version < kOldestReadableVersion || version > kFormatVersion || header_bytes != kSegmentHeaderBytes ||
      crc != Crc32c(0, in, 60))
    return false;
  std::memcpy(first_lsn, in + 16, 8);
  if (salt != nullptr) {
    *salt = 0;
    if (version >= 2) std::memcpy(salt, in + 32, 4);
  }
  return *first_lsn != 0;
}

std::string SegmentFileName(uint64_t first_lsn);
/** Parses "<20 digits>.wal"; false for any other name. */
bool ParseSegmentFileName(const std::string& name, uint64_t* first_lsn);
/** "<20 digits>.free": a retired segment kept for reuse (never read as part of the log). */
std::string FreeSegmentFileName(uint64_t number);
bool ParseFreeSegmentFileName(const std::string& name, uint64_t* number);

}  // namespace laminar::wal
