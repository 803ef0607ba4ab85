// Per-node monotonicity.
//  - monotonic-term: a node's term never decreases while it runs (5.1), and after a restart it is at
//    least the highest term the node had put on a message: a term must be durable before any message
//    that carries it leaves (Figure 2, "updated on stable storage before responding to RPCs").
//  - monotonic-commit: a node's commit index never decreases while it runs (it restarts from 0).
#pragma once

#include <vector>

#include "checkers/checker.h"

namespace checkers {

class MonotonicTerm final : public Checker {
 public:
  const char* name() const override { return "monotonic-term"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override {
    return kind_bit(sim::EventKind::send) | kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::role);
  }

 private:
  struct Node {
    std::uint64_t term = 0;
    std::uint64_t max_sent_term = 0;
    bool restarted = false;  // no role event seen yet from the current incarnation after a restart
  };
  Node& node(std::int32_t n);
  std::vector<Node> nodes_;
};

class MonotonicCommit final : public Checker {
 public:
  const char* name() const override { return "monotonic-commit"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override { return kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::commit); }

 private:
  std::vector<std::uint64_t> commit_;
};

}  // namespace checkers
