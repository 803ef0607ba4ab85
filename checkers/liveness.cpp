#include "checkers/liveness.h"

#include <fmt/format.h>

namespace checkers {

std::optional<Violation> Liveness::observe(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::EventKind::phase:
      if (e.a == 1) healed_at_us_ = e.time_us;
      break;
    case sim::EventKind::client_invoke:
      if (healed_at_us_) invoked_after_heal_.insert(e.a);
      break;
    case sim::EventKind::client_ok:
      last_ok_at_us_ = e.time_us;
      if (!healthy_at_us_ && invoked_after_heal_.count(e.a) != 0) healthy_at_us_ = e.time_us;
      break;
    case sim::EventKind::role:
      if (healed_at_us_ && !leader_after_heal_us_ && e.a == static_cast<std::uint64_t>(sim::Role::leader)) {
        leader_after_heal_us_ = e.time_us;
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<Violation> Liveness::finish(std::int64_t end_time_us) {
  if (!healed_at_us_ || healthy_at_us_) return std::nullopt;
  auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  std::string last = last_ok_at_us_ ? fmt::format("{}ms", ms(*last_ok_at_us_)) : std::string("never");
  std::string leader = leader_after_heal_us_ ? fmt::format("a leader was elected at {}ms but", ms(*leader_after_heal_us_))
                                             : std::string("no new leader was elected and");
  Violation v;
  v.checker = name();
  v.severity = Severity::liveness;
  v.time_us = end_time_us;
  v.message = fmt::format(
      "no progress after the faults healed at {}ms: {} none of the {} client operations invoked since then "
      "completed by {}ms; last healthy (a client operation completed) at {}",
      ms(*healed_at_us_), leader, invoked_after_heal_.size(), ms(end_time_us), last);
  return v;
}

}  // namespace checkers
