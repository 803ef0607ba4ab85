#include "checkers/state_machine_safety.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> ImplementationError::observe(const sim::TraceEvent& e) {
  if (e.kind != sim::EventKind::impl_error) return std::nullopt;
  return Violation{name(), Severity::safety, e.time_us, {e.node},
                   fmt::format("node {} reported an error in its own state: code {} ({}, {})", e.node, e.a, e.b, e.c)};
}

const StateMachineSafety::Applied* StateMachineSafety::record(std::uint64_t index, const Applied& applied) {
  RAFTSIM_ASSERT(index >= 1 && applied.node >= 0);
  if (index <= dense_.size()) {
    return &dense_[index - 1];
  }
  if (index == dense_.size() + 1) {
    // Indices are applied in order from 1 (or from a snapshot, within what was applied before), so the
    // applied indices are almost always 1..n: kept in a vector, 24 bytes each instead of a hash node.
    dense_.push_back(applied);
    // An index that was first applied out of the dense range moves in when the range reaches it.
    for (auto it = sparse_.find(dense_.size() + 1); it != sparse_.end(); it = sparse_.find(dense_.size() + 1)) {
      dense_.push_back(it->second);
      sparse_.erase(it);
    }
    return nullptr;
  }
  auto [it, inserted] = sparse_.emplace(index, applied);
  return inserted ? nullptr : &it->second;
}

std::optional<Violation> StateMachineSafety::observe_slow(const sim::TraceEvent& e) {
  if (e.kind == sim::EventKind::crash) {
    RAFTSIM_ASSERT(e.node >= 0);
    if (static_cast<std::size_t>(e.node) < last_applied_.size()) last_applied_[static_cast<std::size_t>(e.node)] = 0;
    return std::nullopt;
  }
  if (e.kind == sim::EventKind::snapshot_installed || e.kind == sim::EventKind::snapshot_restored) {
    // Paper 7: the state machine is now the snapshot's, up to index a; applying goes on from a + 1 (that a
    // snapshot never rolls the state back is the applied-monotonic checker's rule).
    RAFTSIM_ASSERT(e.node >= 0);
    const auto n = static_cast<std::size_t>(e.node);
    if (n >= last_applied_.size()) last_applied_.resize(n + 1, 0);
    last_applied_[n] = e.a;
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::apply) return std::nullopt;
  RAFTSIM_ASSERT(e.node >= 0);
  const auto n = static_cast<std::size_t>(e.node);
  if (n >= last_applied_.size()) last_applied_.resize(n + 1, 0);
  const std::uint64_t index = e.a;
  if (index != last_applied_[n] + 1) {
    return Violation{name(), Severity::safety, e.time_us, {e.node},
                     fmt::format("node {} applied index {} right after index {} (out of order or a gap)", e.node,
                                 index, last_applied_[n])};
  }
  last_applied_[n] = index;
  const Applied* first = record(index, Applied{e.b, e.c, e.node});
  if (first != nullptr && (first->digest != e.c || first->term != e.b)) {
    return Violation{name(), Severity::safety, e.time_us, {first->node, e.node},
                     fmt::format("node {} applied (term {}, digest {:016x}) at index {} but node {} applied "
                                 "(term {}, digest {:016x}) there",
                                 e.node, e.b, e.c, index, first->node, first->term, first->digest)};
  }
  return std::nullopt;
}

}  // namespace checkers
