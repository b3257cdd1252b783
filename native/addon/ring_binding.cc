// N-API side of the shared-memory SPSC rings: formatting (the aligned base depends on the
// buffer's address, which only native code knows), futex sleep/wake for JavaScript, and native
// sink/source threads that let tests and benchmarks drive a ring from the other language.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "addon/modules.h"
#include "addon/shared_view.h"
#include "ring/spsc_ring.h"
#include "wal/crc32c.h"

namespace laminar {
namespace {

using ring::SpscRing;

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

uint32_t* RingWord(Napi::Env env, const SharedView& v, uint32_t offset) {
  uint32_t base = 0;
  if (v.size >= 4) std::memcpy(&base, v.data, 4);
  if (v.size < 4 || base < 4 || base > 128 || base + ring::kHeaderBytes > v.size)
    throw Napi::Error::New(env, "buffer does not hold a formatted ring");
  return reinterpret_cast<uint32_t*>(v.data + base + offset);
}

// ringFormat(view: Uint8Array over a SharedArrayBuffer, capacity) -> base offset
Napi::Value RingFormat(const Napi::CallbackInfo& info) {
  SharedView v = SharedViewArg(info, 0, "ring buffer");
  uint32_t capacity = Uint32Arg(info, 1, "capacity");
  const char* error = nullptr;
  if (!SpscRing::Format(v.data, v.size, capacity, &error)) throw Napi::RangeError::New(info.Env(), error);
  uint32_t base;
  std::memcpy(&base, v.data, 4);
  return Napi::Number::New(info.Env(), base);
}

// ringWait(view, which: 0 = wait for data on head, 1 = wait for space on tail, expected, timeoutMs)
// Sleeps while the word still equals `expected`. The caller sets its waiting flag first.
Napi::Value RingWait(const Napi::CallbackInfo& info) {
  SharedView v = SharedViewArg(info, 0, "ring buffer");
  uint32_t which = Uint32Arg(info, 1, "which");
  uint32_t expected = Uint32Arg(info, 2, "expected");
  double timeout_ms = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1;
  uint32_t* word = RingWord(info.Env(), v, which == 0 ? ring::kHeadOffset : ring::kTailOffset);
  int64_t timeout_ns = timeout_ms < 0 ? -1 : static_cast<int64_t>(timeout_ms * 1e6);
  ring::FutexWait(word, expected, timeout_ns);
  return Napi::Boolean::New(info.Env(), std::atomic_ref<uint32_t>(*word).load() != expected);
}

// ringWake(view, which: 0 = consumer (head), 1 = producer (tail))
Napi::Value RingWake(const Napi::CallbackInfo& info) {
  SharedView v = SharedViewArg(info, 0, "ring buffer");
  uint32_t which = Uint32Arg(info, 1, "which");
  ring::FutexWake(RingWord(info.Env(), v, which == 0 ? ring::kHeadOffset : ring::kTailOffset), 1);
  return info.Env().Undefined();
}

// Voluntary context switches of the calling thread so far (how often it slept).
long ThreadSleeps() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw;
}

// Time the thread that opened `fd` (/proc/thread-self/schedstat) has spent runnable but waiting
// for a CPU, in ns; -1 if unknown.
int64_t RunDelayNs(int fd) {
  char buf[96];
  if (fd < 0) return -1;
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = 0;
  unsigned long long cpu = 0, wait = 0;
  return std::sscanf(buf, "%llu %llu", &cpu, &wait) == 2 ? static_cast<int64_t>(wait) : -1;
}

// A wake-up onto an idle CPU waits a few µs; a longer wait means other work held the CPUs.
constexpr int64_t kStallNs = 50'000;

// A native consumer thread: drains records, hashes them, and (latency mode) reads a send
// timestamp from each record's first 8 bytes. In latency mode it also flags the samples a CPU
// stall of this thread delayed: when the thread waited more than kStallNs for a CPU (preempted,
// or woken onto a busy machine) between two records, the record read next and every record sent
// before that moment (they queued up behind the stall) are flagged. On a shared machine a
// descheduled consumer delays every message sent meanwhile; the flags tell that apart from the
// ring's own cost. Voluntary context switches count how often it slept on the futex.
struct Sink {
  Napi::Reference<Napi::Value> keep_alive;
  SpscRing ring;
  std::thread thread;
  std::atomic<bool> stop{false};
  bool latency = false;
  uint64_t count = 0, bytes = 0;
  uint32_t hash = 0;
  std::vector<double> latencies;
  std::vector<uint8_t> stalled;
  long sleeps = 0;
  ~Sink() {
    if (thread.joinable()) {
      stop = true;
      ring.WakeConsumer();
      thread.join();
    }
  }
  void Run() {
    uint32_t len = 0;
    const long sleeps0 = ThreadSleeps();
    const int sched_fd = latency ? open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC) : -1;
    int64_t delay_seen = RunDelayNs(sched_fd);
    int64_t stall_end = INT64_MIN;  // when this thread last resumed after a stall
    for (;;) {
      const uint8_t* p = ring.Peek(&len);
      if (p == nullptr) {
        ring.Release();
        if (stop.load()) {
          if ((p = ring.Peek(&len)) == nullptr) break;
        } else {
          // Spin briefly (latency), then sleep on the futex (no busy-spinning forever).
          if (!ring.SpinForData(50'000)) ring.WaitForData(50'000'000);
          continue;
        }
      }
      if (latency && len >= 8) {
        int64_t sent;
        std::memcpy(&sent, p, 8);
        const int64_t now = MonotonicNs();
        latencies.push_back(static_cast<double>(now - sent));
        const int64_t delay = RunDelayNs(sched_fd);  // read after the timestamp: not in the sample
        if (delay >= 0 && delay - delay_seen > kStallNs) stall_end = now;
        stalled.push_back(sent <= stall_end);
        delay_seen = delay;
      }
      hash = wal::Crc32c(hash, p, len);
      count++;
      bytes += len;
      ring.Advance();
      if ((count & 63) == 0) ring.Release();
    }
    ring.Release();
    sleeps = ThreadSleeps() - sleeps0;
    if (sched_fd >= 0) close(sched_fd);
  }
};

Napi::Value SinkStart(const Napi::CallbackInfo& info) {
  SharedView v = SharedViewArg(info, 0, "ring buffer");
  auto sink = std::make_unique<Sink>();
  const char* error = nullptr;
  if (!sink->ring.Attach(v.data, v.size, &error)) throw Napi::Error::New(info.Env(), error);
  sink->latency = info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  sink->keep_alive = Napi::Persistent(info[0]);
  Sink* raw = sink.get();
  sink->thread = std::thread([raw] { raw->Run(); });
  return Napi::External<Sink>::New(info.Env(), sink.release(), [](Napi::Env, Sink* s) { delete s; });
}

Napi::Value SinkStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "expected a ring sink handle");
  Sink* s = info[0].As<Napi::External<Sink>>().Data();
  if (!s->thread.joinable()) throw Napi::Error::New(env, "ring sink already stopped");
  s->stop = true;
  s->ring.WakeConsumer();
  s->thread.join();
  Napi::Object out = Napi::Object::New(env);
  out.Set("count", Napi::Number::New(env, static_cast<double>(s->count)));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(s->bytes)));
  out.Set("hash", Napi::Number::New(env, s->hash));
  auto lat = Napi::Float64Array::New(env, s->latencies.size());
  if (!s->latencies.empty()) std::memcpy(lat.Data(), s->latencies.data(), s->latencies.size() * sizeof(double));
  out.Set("latenciesNs", lat);
  auto stalled = Napi::Uint8Array::New(env, s->stalled.size());
  if (!s->stalled.empty()) std::memcpy(stalled.Data(), s->stalled.data(), s->stalled.size());
  out.Set("stalled", stalled);
  out.Set("sleeps", Napi::Number::New(env, static_cast<double>(s->sleeps)));
  return out;
}

// A native producer thread: `count` records, record i = `size` bytes of (i * 31 + j) & 0xFF,
// published every `batch` records.
struct Source {
  Napi::Reference<Napi::Value> keep_alive;
  SpscRing ring;
  std::thread thread;
  ~Source() {
    if (thread.joinable()) thread.join();
  }
};

Napi::Value SourceStart(const Napi::CallbackInfo& info) {
  SharedView v = SharedViewArg(info, 0, "ring buffer");
  uint32_t count = Uint32Arg(info, 1, "count");
  uint32_t size = Uint32Arg(info, 2, "size");
  uint32_t batch = Uint32Arg(info, 3, "batch");
  auto src = std::make_unique<Source>();
  const char* error = nullptr;
  if (!src->ring.Attach(v.data, v.size, &error)) throw Napi::Error::New(info.Env(), error);
  if (size > src->ring.max_record()) throw Napi::RangeError::New(info.Env(), "record size exceeds the ring's maximum");
  src->keep_alive = Napi::Persistent(info[0]);
  Source* raw = src.get();
  src->thread = std::thread([raw, count, size, batch] {
    std::vector<uint8_t> rec(size);
    for (uint32_t i = 0; i < count; i++) {
      for (uint32_t j = 0; j < size; j++) rec[j] = static_cast<uint8_t>(i * 31 + j);
      while (!raw->ring.TryWrite(rec.data(), size)) {
        raw->ring.Publish();
        raw->ring.WaitForSpace(size, 50'000'000);
      }
      if (batch == 0 || (i + 1) % batch == 0) raw->ring.Publish();
    }
    raw->ring.Publish();
  });
  return Napi::External<Source>::New(info.Env(), src.release(), [](Napi::Env, Source* s) { delete s; });
}

Napi::Value SourceJoin(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a ring source handle");
  Source* s = info[0].As<Napi::External<Source>>().Data();
  if (s->thread.joinable()) s->thread.join();
  return info.Env().Undefined();
}

Napi::Value MonotonicNow(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(MonotonicNs()));
}

}  // namespace

void InitRing(Napi::Env env, Napi::Object exports) {
  exports.Set("ringFormat", Napi::Function::New(env, RingFormat, "ringFormat"));
  exports.Set("ringWait", Napi::Function::New(env, RingWait, "ringWait"));
  exports.Set("ringWake", Napi::Function::New(env, RingWake, "ringWake"));
  exports.Set("ringSinkStart", Napi::Function::New(env, SinkStart, "ringSinkStart"));
  exports.Set("ringSinkStop", Napi::Function::New(env, SinkStop, "ringSinkStop"));
  exports.Set("ringSourceStart", Napi::Function::New(env, SourceStart, "ringSourceStart"));
  exports.Set("ringSourceJoin", Napi::Function::New(env, SourceJoin, "ringSourceJoin"));
  exports.Set("monotonicNowNs", Napi::Function::New(env, MonotonicNow, "monotonicNowNs"));
}

}  // namespace laminar
