#include "tools/runner/determinism.h"

#include <algorithm>

#include <fmt/format.h>

#include "reports/event_format.h"
#include "sim/trace.h"
#include "tools/runner/runner.h"

namespace tools {

namespace {
bool same(const sim::TraceEvent& a, const sim::TraceEvent& b) {
  return a.time_us == b.time_us && a.kind == b.kind && a.label == b.label && a.node == b.node && a.peer == b.peer &&
         a.incarnation == b.incarnation && a.a == b.a && a.b == b.b && a.c == b.c;
}
}  // namespace

std::optional<std::string> check_determinism(const Scenario& scenario, std::uint64_t seed) {
  RunOptions options;
  options.keep_all_events = true;
  const RunResult first = run_scenario(scenario, seed, options);
  const RunResult second = run_scenario(scenario, seed, options);
  if (first.trace_hash == second.trace_hash && first.all_events.size() == second.all_events.size()) return std::nullopt;
  const auto& a = first.all_events;
  const auto& b = second.all_events;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (same(a[i], b[i])) continue;
    return fmt::format("the traces differ first at event {}:\n  first run:  {}\n  second run: {}", i,
                       reports::format_event_text(a[i], *first.labels), reports::format_event_text(b[i], *second.labels));
  }
  return fmt::format("one run has {} events, the other {} (equal up to there)", a.size(), b.size());
}

}  // namespace tools
