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

// Folds one event into a running hash. Field by field (never the struct's bytes: padding is not
// deterministic), with a strong 64-bit mixer. Inline: it runs once per event, on the simulator's hot path.
namespace trace_detail {
inline std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  // A round of the splitmix64 finalizer over h ^ x, then a rotation: cheap and avalanching.
  std::uint64_t z = h ^ (x + 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return (z << 17) | (z >> 47);
}
}  // namespace trace_detail

inline std::uint64_t hash_event(std::uint64_t hash, const TraceEvent& e) {
  using trace_detail::mix;
  std::uint64_t h = mix(hash, static_cast<std::uint64_t>(e.time_us));
  const std::uint64_t header = static_cast<std::uint64_t>(e.kind) | (static_cast<std::uint64_t>(e.label) << 8) |
                               (static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.node)) << 24);
  h = mix(h, header);
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.peer)) |
                 (static_cast<std::uint64_t>(e.incarnation) << 32));
  h = mix(h, e.a);
  h = mix(h, e.b);
  h = mix(h, e.c);
  return h;
}

class Trace {
 public:
  static constexpr std::size_t kRecentCapacity = 64;
  static_assert((kRecentCapacity & (kRecentCapacity - 1)) == 0, "the ring index is a mask");

  Trace() = default;

  void add_sink(TraceSink* sink);
  // Inline (every event of a run passes here): hash, ring, sinks.
  void record(const TraceEvent& event) {
    next() = event;
    record_next();
  }
  // The simulator's way, without a copy per event: it writes every field of next(), the ring's slot for
  // the next event, and record_next() records it (and returns it, for the caller's own checks). The slot
  // holds an old event until then: every field must be written.
  TraceEvent& next() { return ring_[count_ & (kRecentCapacity - 1)]; }
  const TraceEvent& record_next() {
    const TraceEvent& event = ring_[count_ & (kRecentCapacity - 1)];
    RAFTSIM_ASSERT(static_cast<int>(event.kind) < kEventKindCount);
    hash_ = hash_event(hash_, event);
    ++count_;
    for (TraceSink* sink : sinks_) {
      if (!sink->on_event(event)) stop_requested_ = true;
    }
    return event;
  }

  std::uint64_t hash() const { return hash_; }
  std::uint64_t event_count() const { return count_; }
  bool stop_requested() const { return stop_requested_; }
  // The most recent events, oldest first (at most kRecentCapacity).
  std::vector<TraceEvent> recent() const;

 private:
  std::vector<TraceSink*> sinks_;
  std::array<TraceEvent, kRecentCapacity> ring_{};  // event i at i % kRecentCapacity
  std::uint64_t hash_ = 0x6A09E667F3BCC908ULL;
  std::uint64_t count_ = 0;
  bool stop_requested_ = false;
};

}  // namespace sim
