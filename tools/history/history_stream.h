// A raftsim client history fed to the streaming linearizability checker as it happens (issue 14 goal 3):
// the same reading of the events as to_checker_history (times are positions in the history; an invoke with
// no completion at the end is info; a cas that did not match is ok with cas_succeeded = false; a fail
// constrains nothing), without keeping the history.
//
// The events are queued and handed to the checker in bursts (kBurstEvents events, or kBurstTextBytes of
// keys and values, whichever comes first, and at finish): a few hundred of the checker's instructions
// between every two client events of the simulation evicted each other's code and data from the caches
// and each other's history from the branch predictor, and the check ran at about two thirds of the
// instructions per CPU second of the rest of the run (session 16, docs/performance.md). The checker reads
// the same events in the same order, and nothing asks it anything before finish, so the verdict is the
// same; only when the work is done changes. Bounded: at most kBurstEvents events, and kBurstTextBytes of text
// plus one event's strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checkers/linearizability_stream.h"
#include "sim/workload.h"

namespace tools {

class HistoryStreamFeed {
 public:
  static constexpr std::size_t kBurstEvents = 4096;
  static constexpr std::size_t kBurstTextBytes = std::size_t{1} << 20;

  explicit HistoryStreamFeed(const checkers::StreamLimits& limits);
  void on_event(const sim::HistoryEvent& e);
  // Hands the queued events over, then gives the verdict of the whole history.
  checkers::LinResult finish();

 private:
  // An event without its strings, which follow one another in text_ (key, value, expected: only those the
  // checker reads).
  struct Queued {
    std::uint64_t process = 0;
    std::uint64_t op_id = 0;
    std::uint32_t key_bytes = 0;
    std::uint32_t value_bytes = 0;
    std::uint32_t expected_bytes = 0;
    sim::HistoryEvent::Type type = sim::HistoryEvent::Type::invoke;
    sim::ClientOp op = sim::ClientOp::get;
    bool cas_succeeded = false;
  };
  std::uint32_t queue_text(const std::string& s);
  void flush();

  checkers::LinearizabilityStream stream_;
  std::int64_t position_ = 0;  // the next event's time: its position in the history
  std::vector<Queued> queued_;
  std::string text_;
};

}  // namespace tools
