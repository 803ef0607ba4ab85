#include "checkers/election_safety.h"

#include <fmt/format.h>

namespace checkers {

std::optional<Violation> ElectionSafety::observe(const sim::TraceEvent& e) {
  if (e.kind != sim::EventKind::role || e.a != static_cast<std::uint64_t>(sim::Role::leader)) return std::nullopt;
  const std::uint64_t term = e.b;
  auto [it, inserted] = leader_of_term_.emplace(term, e.node);
  // The same node becoming leader again in one term (after a restart it cannot: its vote is durable)
  // is not a second leader; another node is.
  if (inserted || it->second == e.node) return std::nullopt;
  Violation v;
  v.checker = name();
  v.time_us = e.time_us;
  v.nodes = {it->second, e.node};
  v.message = fmt::format("two leaders in term {}: node {} and node {}", term, it->second, e.node);
  return v;
}

}  // namespace checkers
