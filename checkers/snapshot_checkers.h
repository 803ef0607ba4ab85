// Checkers for snapshots and log compaction (Raft paper 7, Figure 13; Ongaro thesis 5), over the trace
// format 3 events snapshot_taken, snapshot_installed and snapshot_restored (sim/trace_event.h).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "checkers/checker.h"

namespace checkers {

// snapshot-state: a snapshot is the state machine after applying exactly its prefix.
//  * A node takes a snapshot at index i only when it has applied exactly entries 1..i (its apply events,
//    or the snapshot it installed or restored, reach i and no further), and i's term is the applied
//    entry's term.
//  * There is one state after applying 1..i (state-machine safety makes the applied prefix the same on
//    every node, and the state machine is deterministic), so every snapshot at i, taken, installed or
//    restored on any node, carries the same state digest; and a snapshot installed or restored at i was
//    taken by some node at i first (a snapshot no node took is state nobody applied).
class SnapshotState final : public Checker {
 public:
  const char* name() const override { return "snapshot-state"; }
  // Inline: an apply at a node already seen only records where its state machine is.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind == sim::EventKind::apply && e.node >= 0 && n < nodes_.size()) {
      nodes_[n] = NodeState{e.a, e.b};
      return std::nullopt;
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::apply) |
                                        kind_bit(sim::EventKind::snapshot_taken) |
                                        kind_bit(sim::EventKind::snapshot_installed) |
                                        kind_bit(sim::EventKind::snapshot_restored);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct NodeState {
    std::uint64_t applied = 0;
    std::uint64_t applied_term = 0;
  };
  struct Seen {
    std::uint64_t term;
    std::uint64_t digest;
    std::int32_t node;
  };
  NodeState& node(std::int32_t n);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::vector<NodeState> nodes_;
  std::map<std::uint64_t, Seen> by_index_;  // first snapshot seen at each index
};

// applied-monotonic: a node's applied index never goes backwards.
//  * Within an incarnation: each apply is above the applied index (state-machine safety checks it is the
//    next one), and an installed snapshot is above it: a snapshot at or below what the node has applied
//    (stale, duplicated, reordered) must be ignored, never installed (it would roll the state back).
//  * Across a restart the state machine restarts from the newest snapshot the node made durable (a snapshot
//    event whose step's disk write became durable): the restarted node must restore a snapshot at least that
//    new before it applies anything (re-applying the entries after the snapshot is allowed; going below
//    it is not: those entries may be compacted away everywhere).
class AppliedMonotonic final : public Checker {
 public:
  const char* name() const override { return "applied-monotonic"; }
  // Inline, at a node already seen: its disk writes and syncs while no snapshot waits for one (two events in
  // ten), and an apply above its applied index with no restart to check.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.node >= 0 && n < nodes_.size()) {
      NodeState& s = nodes_[n];
      switch (e.kind) {
        case sim::EventKind::disk_write:
          if (s.unwritten_snapshot == 0) return std::nullopt;
          break;
        case sim::EventKind::disk_synced:
          if (s.snapshot_writes.empty()) return std::nullopt;
          break;
        case sim::EventKind::apply:
          if (!s.restarted && e.a > s.applied) {
            s.applied = e.a;
            return std::nullopt;
          }
          break;
        default:
          break;
      }
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::disk_write) | kind_bit(sim::EventKind::disk_synced) |
      kind_bit(sim::EventKind::disk_failed) | kind_bit(sim::EventKind::snapshot_taken) |
      kind_bit(sim::EventKind::snapshot_restored) | kind_bit(sim::EventKind::snapshot_installed) |
      kind_bit(sim::EventKind::apply);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct NodeState {
    std::uint64_t applied = 0;
    std::uint64_t durable_snapshot = 0;        // newest snapshot index whose write is durable
    std::uint64_t unwritten_snapshot = 0;      // a snapshot event waiting for its step's disk write
    std::map<std::uint64_t, std::uint64_t> snapshot_writes;  // token -> snapshot index, not yet durable
    bool restarted = false;                    // crashed; the restored state is not checked yet
  };
  NodeState& node(std::int32_t n);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::vector<NodeState> nodes_;
};

}  // namespace checkers
