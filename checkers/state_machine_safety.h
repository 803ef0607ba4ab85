// State Machine Safety (Raft paper, Figure 3 and 5.4.3): if a server has applied a log entry at a given
// index, no other server ever applies a different entry for that index. Also: each node applies entries
// in index order without gaps (starting again from 1 after a restart, since the reference Raft rebuilds
// its state machine from the log).
#pragma once

#include <unordered_map>
#include <vector>

#include "checkers/checker.h"

namespace checkers {

// An implementation that reports an error about its own state (an impl-error event: a send to a node
// that does not exist, a corrupt log) has a bug: a safety finding, whatever the other checkers say.
class ImplementationError final : public Checker {
 public:
  const char* name() const override { return "implementation-error"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::impl_error);
  KindMask kinds() const override { return kSetKinds; }
};

class StateMachineSafety final : public Checker {
 public:
  const char* name() const override { return "state-machine-safety"; }
  // Inline: the next apply of a node already seen, at an index applied before with the same entry or at the
  // first index nobody applied yet (nothing past a gap waiting); the rest is observe_slow's.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind != sim::EventKind::apply || e.node < 0 || n >= last_applied_.size() || e.a != last_applied_[n] + 1) {
      return observe_slow(e);
    }
    const std::uint64_t index = e.a;
    if (index <= dense_.size()) {
      const Applied& first = dense_[index - 1];
      if (first.digest != e.c || first.term != e.b) return observe_slow(e);
    } else if (index == dense_.size() + 1 && sparse_.empty()) {
      dense_.push_back(Applied{e.b, e.c, e.node});
    } else {
      return observe_slow(e);
    }
    last_applied_[n] = index;
    return std::nullopt;
  }
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::snapshot_installed) |
                                        kind_bit(sim::EventKind::snapshot_restored) | kind_bit(sim::EventKind::apply);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct Applied {
    std::uint64_t term;
    std::uint64_t digest;
    std::int32_t node;
  };
  // The entry first applied at `index` if one was, else records `applied` as that and returns nullptr.
  const Applied* record(std::uint64_t index, const Applied& applied);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  // The first entry applied at each index: 1..dense_.size() in dense_ (every one of them applied), any
  // other index (past a gap that a snapshot jumped over) in sparse_ (looked up only, never iterated: its order cannot
  // reach any output).
  std::vector<Applied> dense_;
  std::unordered_map<std::uint64_t, Applied> sparse_;
  std::vector<std::uint64_t> last_applied_;  // per node
};

}  // namespace checkers
