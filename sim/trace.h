// The trace: every event of a run, in order, folded into a running 64-bit hash and fanned out to sinks
// (checkers, a JSON Lines writer). The last events are kept in a bounded ring for failure reports.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/assert.h"
#include "sim/trace_event.h"

namespace sim {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Returns false to ask the simulation to stop (a checker found a violation).
  virtual bool on_event(const TraceEvent& event) = 0;
};

// The running trace hash: detects that two runs' traces differ (the determinism checks, replaying a failure
// record). Field by field (never the struct's bytes: padding is not deterministic), only integer fields, so
// it is the same on every platform and compiler.
//
// Version 2 (session 14; version 1 was six chained splitmix64-finalizer rounds, 100 instructions per event
// under callgrind; this is 28, docs/performance.md). The event's fields packed losslessly into six 64-bit words w0..w5 (time; kind, label and
// node; peer and incarnation; a; b; c) and folded two words per 64x64->128-bit multiply:
//   h = fold(h ^ w0, w1 ^ K1);  h = fold(h ^ w2, w3 ^ K3);  h = fold(h ^ w4, w5 ^ K5)
// where fold(x, y) = high ^ low half of x * y. Why that is enough for detecting a difference:
// - Every field reaches the state: each word is xored into one factor of a multiply, a product by a nonzero
//   factor is injective, and folding the product's halves together loses a change only with probability
//   about 2^-64 (tests/sim/trace_hash_test.cpp flips each field's low and high bits).
// - A multiplier y ^ K is zero only if y == K, which would wipe the state. The constants have bit 63 set, so
//   no word below 2^63 can cancel one: w1 is below 2^56 always; a and c are times, indexes, terms, tokens,
//   ids, masks (far below 2^63) or 64-bit digests (equal to K with probability 2^-64).
// - Order matters: the state enters the first multiply of each event, so events fold in sequence.
// - The state is 64 bits and a fold is not a bijection: two different states merge with probability about
//   2^-64 per fold, so two traces of 10^9 events that differ collide with probability below 10^-10.
//   Version 1's step was a bijection of the state (a difference, once in, stayed); giving that up costs
//   nothing measurable for this job (it detects accidental differences; nobody crafts collisions).
// A fold's output is well mixed in its high bits but less in its low ones when a multiplier is small; the
// splitmix64 finalizer at read time (Trace::hash) evens that out, once per run instead of once per event.
inline constexpr int kTraceHashVersion = 2;

namespace trace_detail {
// Odd, bit 63 set, otherwise arbitrary (splitmix64's first three outputs from state 0, bits 0 and 63
// forced on): see above for why bit 63.
inline constexpr std::uint64_t kK1 = 0xE220A8397B1DCDAFULL;
inline constexpr std::uint64_t kK3 = 0xEE789E6AA1B965F5ULL;
inline constexpr std::uint64_t kK5 = 0x86C45D188009454FULL;
static_assert((kK1 >> 63) == 1 && (kK3 >> 63) == 1 && (kK5 >> 63) == 1, "no word below 2^63 may cancel a constant");

// The 128-bit product's halves xored (__uint128_t, as in sim/rng.h: GCC and Clang on 64-bit targets).
inline std::uint64_t fold(std::uint64_t x, std::uint64_t y) {
  const __uint128_t product = static_cast<__uint128_t>(x) * y;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// The splitmix64 finalizer: a bijection that spreads every bit over all 64.
inline std::uint64_t avalanche(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace trace_detail

// Folds one event into the running state (inline: it runs once per event, on the simulator's hot path).
inline std::uint64_t hash_event(std::uint64_t state, const TraceEvent& e) {
  using trace_detail::fold;
  // kind (8 bits), label (16), node (32): below 2^56.
  const std::uint64_t header = static_cast<std::uint64_t>(e.kind) | (static_cast<std::uint64_t>(e.label) << 8) |
                               (static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.node)) << 24);
  const std::uint64_t peer_incarnation =
      static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.peer)) | (static_cast<std::uint64_t>(e.incarnation) << 32);
  std::uint64_t h = fold(state ^ static_cast<std::uint64_t>(e.time_us), header ^ trace_detail::kK1);
  h = fold(h ^ peer_incarnation, e.a ^ trace_detail::kK3);
  h = fold(h ^ e.b, e.c ^ trace_detail::kK5);
  return h;
}

// The hash of a trace from its running state and length: the read-time avalanche (see above). The count
// goes in too, for free: traces of different lengths differ even if their states met.
inline std::uint64_t finish_trace_hash(std::uint64_t state, std::uint64_t events) {
  return trace_detail::avalanche(state ^ (events * 0x9E3779B97F4A7C15ULL));
}

class Trace {
 public:
  static constexpr std::size_t kRecentCapacity = 64;
  static_assert((kRecentCapacity & (kRecentCapacity - 1)) == 0, "the ring index is a mask");

  Trace() = default;

  void add_sink(TraceSink* sink);
  // Inline (every event of a run passes here): hash, ring, sinks.
  void record(const TraceEvent& event) { fan_out(hash_and_keep(event)); }
  // record in two halves, for a caller with work of its own between them (Simulation::emit checks its
  // fault triggers): hash_and_keep hashes and counts the event and keeps it in the ring of recent events;
  // fan_out hands it to the sinks. Every event goes through both, in order, before the next one.
  // The event is hashed from the caller's value (its registers), then stored, not stored and read back
  // (the stores may alias the state and the count, so GCC reloaded all of them: about 12 instructions an
  // event).
  const TraceEvent& hash_and_keep(const TraceEvent& event) {
    RAFTSIM_ASSERT(static_cast<int>(event.kind) < kEventKindCount);
    const std::uint64_t count = count_;
    hash_ = hash_event(hash_, event);
    TraceEvent& slot = ring_[count & (kRecentCapacity - 1)];
    slot = event;
    count_ = count + 1;
    return slot;
  }
  // Every sink sees every event, even after one asks to stop. Inline (out of line it cost 21 instructions
  // per event more: docs/performance.md, branch sim5).
  void fan_out(const TraceEvent& event) {
    bool keep_going = true;
    for (std::size_t i = 0; i < sink_count_; ++i) keep_going &= sinks_[i]->on_event(event);
    if (!keep_going) stop_requested_ = true;
  }

  // Read once per run (the avalanche is not free); kTraceHashVersion says which function made it.
  std::uint64_t hash() const { return finish_trace_hash(hash_, count_); }
  std::uint64_t event_count() const { return count_; }
  bool stop_requested() const { return stop_requested_; }
  // The most recent events, oldest first (at most kRecentCapacity).
  std::vector<TraceEvent> recent() const;

 private:
  // A run has at most four (checkers, metrics, a trace writer, a capture): a fixed array, no heap.
  static constexpr std::size_t kMaxSinks = 8;
  std::array<TraceSink*, kMaxSinks> sinks_{};
  std::size_t sink_count_ = 0;
  std::array<TraceEvent, kRecentCapacity> ring_{};  // event i at i % kRecentCapacity
  std::uint64_t hash_ = 0x6A09E667F3BCC908ULL;  // the running state (hash_event); hash() finishes it
  std::uint64_t count_ = 0;
  bool stop_requested_ = false;
};

}  // namespace sim
