#include "checkers/snapshot_checkers.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

using sim::EventKind;

SnapshotState::NodeState& SnapshotState::node(std::int32_t n) {
  RAFTSIM_ASSERT(n >= 0);
  if (static_cast<std::size_t>(n) >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(n) + 1);
  return nodes_[static_cast<std::size_t>(n)];
}

std::optional<Violation> SnapshotState::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  switch (e.kind) {
    case EventKind::crash: node(e.node) = NodeState{};  // the state machine is volatile
      return std::nullopt;
    case EventKind::apply: {
      NodeState& s = node(e.node);
      s.applied = e.a;
      s.applied_term = e.b;
      return std::nullopt;
    }
    case EventKind::snapshot_taken:
    case EventKind::snapshot_installed:
    case EventKind::snapshot_restored: break;
    default: return std::nullopt;
  }
  NodeState& s = node(e.node);
  const std::uint64_t index = e.a;
  if (e.kind == EventKind::snapshot_taken && (index != s.applied || e.b != s.applied_term)) {
    return Violation{name(), Severity::safety, e.time_us, {e.node},
                     fmt::format("node {} took a snapshot at index {} (term {}) while its state machine had applied "
                                 "exactly up to index {} (term {}): a snapshot is the state after applying exactly its "
                                 "prefix (paper 7)",
                                 e.node, index, e.b, s.applied, s.applied_term)};
  }
  const auto it = by_index_.find(index);
  if (it == by_index_.end()) {
    if (e.kind != EventKind::snapshot_taken) {
      return Violation{name(), Severity::safety, e.time_us, {e.node},
                       fmt::format("node {} {} a snapshot at index {} that no node took (no state was ever "
                                   "snapshotted there)",
                                   e.node, e.kind == EventKind::snapshot_installed ? "installed" : "restored", index)};
    }
    by_index_.emplace(index, Seen{e.b, e.c, e.node});
  } else if (it->second.digest != e.c || it->second.term != e.b) {
    return Violation{name(), Severity::safety, e.time_us, {it->second.node, e.node},
                     fmt::format("node {} has a snapshot at index {} (term {}, state digest {:016x}) but node {}'s "
                                 "snapshot at that index has term {} and state digest {:016x}: the state after "
                                 "applying entries 1..{} differs",
                                 e.node, index, e.b, e.c, it->second.node, it->second.term, it->second.digest, index)};
  }
  if (e.kind != EventKind::snapshot_taken) {
    s.applied = index;
    s.applied_term = e.b;
  }
  return std::nullopt;
}

AppliedMonotonic::NodeState& AppliedMonotonic::node(std::int32_t n) {
  RAFTSIM_ASSERT(n >= 0);
  if (static_cast<std::size_t>(n) >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(n) + 1);
  return nodes_[static_cast<std::size_t>(n)];
}

std::optional<Violation> AppliedMonotonic::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  switch (e.kind) {
    case EventKind::crash: {
      NodeState& s = node(e.node);
      s.applied = 0;
      s.unwritten_snapshot = 0;
      s.snapshot_writes.clear();  // writes not yet durable are lost
      s.restarted = true;
      return std::nullopt;
    }
    case EventKind::disk_write: {
      NodeState& s = node(e.node);
      if (s.unwritten_snapshot != 0) {
        RAFTSIM_ASSERT(s.snapshot_writes.size() < 1'000'000);
        s.snapshot_writes[e.a] = s.unwritten_snapshot;
        s.unwritten_snapshot = 0;
      }
      return std::nullopt;
    }
    case EventKind::disk_synced: {
      NodeState& s = node(e.node);
      const auto it = s.snapshot_writes.find(e.a);
      if (it != s.snapshot_writes.end()) {
        s.durable_snapshot = std::max(s.durable_snapshot, it->second);
        s.snapshot_writes.erase(it);
      }
      return std::nullopt;
    }
    case EventKind::disk_failed:
      node(e.node).snapshot_writes.erase(e.a);  // an I/O error: that snapshot never became durable
      return std::nullopt;
    case EventKind::snapshot_taken:
      node(e.node).unwritten_snapshot = e.a;  // its step's disk write carries it
      return std::nullopt;
    case EventKind::snapshot_restored: {
      NodeState& s = node(e.node);
      s.restarted = false;
      if (e.a < s.durable_snapshot) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} restarted from a snapshot at index {}, but it had made a snapshot up to "
                                     "index {} durable: its state went back (paper 7)",
                                     e.node, e.a, s.durable_snapshot)};
      }
      s.applied = e.a;
      return std::nullopt;
    }
    case EventKind::snapshot_installed: {
      NodeState& s = node(e.node);
      if (s.restarted && e.a < s.durable_snapshot) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} restarted without its durable snapshot up to index {} and installed an "
                                     "older one up to index {}: its state went back (paper 7)",
                                     e.node, s.durable_snapshot, e.a)};
      }
      s.restarted = false;
      if (e.a <= s.applied) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} installed a snapshot up to index {} after applying up to index {}: a "
                                     "snapshot its state already covers must be ignored, never roll the state back "
                                     "(paper 7, Figure 13)",
                                     e.node, e.a, s.applied)};
      }
      s.applied = e.a;
      s.unwritten_snapshot = e.a;
      return std::nullopt;
    }
    case EventKind::apply: {
      NodeState& s = node(e.node);
      if (s.restarted) {
        s.restarted = false;
        if (e.a <= s.durable_snapshot) {
          return Violation{name(), Severity::safety, e.time_us, {e.node},
                           fmt::format("node {} restarted and applied index {}, but it had made a snapshot up to index "
                                       "{} durable: a restart resumes from the snapshot, never below it (paper 7)",
                                       e.node, e.a, s.durable_snapshot)};
        }
      }
      if (e.a <= s.applied) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} applied index {} after applying up to index {}: its applied index "
                                     "went back",
                                     e.node, e.a, s.applied)};
      }
      s.applied = e.a;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

}  // namespace checkers
