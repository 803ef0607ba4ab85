// A raftsim client history fed to the streaming linearizability checker as it happens (issue 14 goal 3):
// the same reading of the events as to_checker_history (times are positions in the history; an invoke with
// no completion at the end is info; a cas that did not match is ok with cas_succeeded = false; a fail
// constrains nothing), without keeping the history.
#pragma once

#include <cstdint>

#include "checkers/linearizability_stream.h"
#include "sim/workload.h"

namespace tools {

class HistoryStreamFeed {
 public:
  explicit HistoryStreamFeed(const checkers::StreamLimits& limits);
  void on_event(const sim::HistoryEvent& e);
  checkers::LinResult finish() { return stream_.finish(); }
  const checkers::LinearizabilityStream& stream() const { return stream_; }

 private:
  checkers::LinearizabilityStream stream_;
  std::int64_t position_ = 0;
};

}  // namespace tools
