// Single-producer single-consumer ring of variable-length records in memory shared with
// JavaScript (a SharedArrayBuffer). The layout is the contract with lib/native/ring.ts:
//
//   word 0 of the buffer: byte offset `base` of the ring inside the buffer, chosen so that
//   base is 64-byte aligned in memory (SharedArrayBuffer memory is not cache-line aligned).
//   base +   0: magic u32, version u32, capacity u32 (data bytes, a power of two)
//   base +  64: head  u32  — bytes ever published by the producer (mod 2^32)
//   base +  68: producerWaiting u32 — producer sleeps on `tail` for space
//   base + 128: tail  u32  — bytes ever released by the consumer (mod 2^32)
//   base + 132: consumerWaiting u32 — consumer sleeps on `head` (futex) for data
//   base + 192: data, `capacity` bytes
//
// A record is [u32 length][payload][pad to 8]. A length of kWrapMarker means "skip to the start
// of the data area". Head and tail each live on their own cache line so the two threads never
// share one; the producer publishes the head once per batch.
//
// Sleeping side (either language) sets its *Waiting word, re-checks, then futex-waits on the
// position word it waits for; the other side stores its position and wakes it only when the
// waiting word is set. JavaScript sleeps and wakes through the addon's futex calls (V8's
// Atomics.wait is not a futex, so native code could not wake it).
#pragma once
#include <cstddef>
#include <cstdint>

namespace laminar::ring {

constexpr uint32_t kMagic = 0x4C52494E;  // "LRIN"
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderBytes = 192;
constexpr uint32_t kHeadOffset = 64;
constexpr uint32_t kProducerWaitingOffset = 68;
constexpr uint32_t kTailOffset = 128;
constexpr uint32_t kConsumerWaitingOffset = 132;
constexpr uint32_t kWrapMarker = 0xFFFFFFFFu;
constexpr uint32_t kRecordHeader = 4;
constexpr uint32_t kMinCapacity = 64;
constexpr uint32_t kMaxCapacity = 1u << 30;

/** Bytes a record of `len` payload bytes occupies in the ring. */
inline uint32_t RecordSpan(uint32_t len) { return (kRecordHeader + len + 7u) & ~7u; }
/** Largest payload a ring of `capacity` bytes accepts (a record must fit in half the ring). */
inline uint32_t MaxRecord(uint32_t capacity) { return capacity / 2 - kRecordHeader - 8; }
/** Total buffer size needed for a ring of `capacity` data bytes (room for alignment). */
inline size_t BufferBytes(uint32_t capacity) { return 128 + kHeaderBytes + capacity; }
/** Offset that makes `memory + offset` 64-byte aligned and leaves room for word 0. */
size_t AlignedBase(const void* memory);

/**
 * A view of a ring laid out in caller-owned memory. One instance per side: the producer and the
 * consumer each keep private cached positions, so never share one object between threads.
 */
class SpscRing {
 public:
  /** Lays out a fresh ring in `memory` (BufferBytes(capacity) bytes). capacity: power of two. */
  static bool Format(void* memory, size_t bytes, uint32_t capacity, const char** error);
  /** Attaches to a formatted ring; returns false (with a reason) when the memory is not one. */
  bool Attach(void* memory, size_t bytes, const char** error);

  uint32_t capacity() const { return capacity_; }
  uint32_t max_record() const { return MaxRecord(capacity_); }

  // ---- producer side
  /** Reserves room for a record and returns where to write its payload, or nullptr if full. */
  uint8_t* TryReserve(uint32_t len);
  /** Copies a record in (unpublished). Returns false when the ring is full. */
  bool TryWrite(const void* data, uint32_t len);
  /** Makes every written record visible to the consumer; wakes it if it sleeps. */
  void Publish();
  /** Sleeps until `len` bytes of record space are free or the timeout passes. */
  bool WaitForSpace(uint32_t len, int64_t timeout_ns);

  // ---- consumer side
  /** Next published record, or nullptr. The record stays valid until Release(). */
  const uint8_t* Peek(uint32_t* len);
  /** Consumes the record returned by the last Peek (not yet visible to the producer). */
  void Advance();
  /** Hands the space of every Advance()d record back to the producer. */
  void Release();
  /** Sleeps until a record is published or the timeout passes (negative: no timeout). */
  bool WaitForData(int64_t timeout_ns);
  /**
   * Polls for a published record for up to `spin_ns` before a caller sleeps: a consumer that
   * was busy a moment ago usually gets more data within microseconds, cheaper than a futex wake.
   */
  bool SpinForData(int64_t spin_ns);
  /** Wakes a consumer sleeping in WaitForData (used by producers and on shutdown). */
  void WakeConsumer();
  /** Wakes a producer sleeping in WaitForSpace. */
  void WakeProducer();
  /** Bytes published and not yet released. */
  uint32_t Used() const;

 private:
  uint32_t* word(uint32_t offset) const { return reinterpret_cast<uint32_t*>(base_ + offset); }
  uint8_t* base_ = nullptr;
  uint8_t* data_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t mask_ = 0;
  // Producer-private state.
  uint32_t write_pos_ = 0;
  uint32_t cached_tail_ = 0;
  // Consumer-private state.
  uint32_t read_pos_ = 0;
  uint32_t cached_head_ = 0;
  uint32_t peeked_span_ = 0;
};

/** futex helpers on a 32-bit word (process-private). */
bool FutexWait(uint32_t* word, uint32_t expected, int64_t timeout_ns);
void FutexWake(uint32_t* word, int count);

}  // namespace laminar::ring
