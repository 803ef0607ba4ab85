// The trace: every event of a run, in order, folded into a running 64-bit hash and fanned out to sinks
// (checkers, a JSON Lines writer). The last events are kept in a bounded ring for failure reports.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/trace_event.h"

namespace sim {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Returns false to ask the simulation to stop (a checker found a violation).
  virtual bool on_event(const TraceEvent& event) = 0;
};

class Trace {
 public:
  static constexpr std::size_t kRecentCapacity = 64;

  Trace();

  void add_sink(TraceSink* sink);
  void record(const TraceEvent& event);

  std::uint64_t hash() const { return hash_; }
  std::uint64_t event_count() const { return count_; }
  bool stop_requested() const { return stop_requested_; }
  // The most recent events, oldest first (at most kRecentCapacity).
  std::vector<TraceEvent> recent() const;

 private:
  std::vector<TraceSink*> sinks_;
  std::vector<TraceEvent> ring_;
  std::uint64_t hash_;
  std::uint64_t count_ = 0;
  bool stop_requested_ = false;
};

// Folds one event into a running hash. Field by field (never the struct's bytes: padding is not
// deterministic), with a strong 64-bit mixer.
std::uint64_t hash_event(std::uint64_t hash, const TraceEvent& event);

}  // namespace sim
