// A trace sink for simulator tests: keeps every event, and picks out one kind.
#pragma once

#include <vector>

#include "sim/trace.h"

namespace sim_test {

struct Recorder final : sim::TraceSink {
  std::vector<sim::TraceEvent> events;
  bool on_event(const sim::TraceEvent& e) override {
    events.push_back(e);
    return true;
  }
  std::vector<sim::TraceEvent> of(sim::EventKind k) const {
    std::vector<sim::TraceEvent> out;
    for (const auto& e : events) if (e.kind == k) out.push_back(e);
    return out;
  }
};

}  // namespace sim_test
