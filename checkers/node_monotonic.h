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
  // Inline: a send of a node already seen (a fifth of all events) only raises its highest sent term.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind == sim::EventKind::send && e.node >= 0 && n < nodes_.size()) {
      note_sent(nodes_[n], e);
      return std::nullopt;
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::send) | kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::role);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct Node {
    std::uint64_t term = 0;
    std::uint64_t max_sent_term = 0;
    bool restarted = false;  // no role event seen yet from the current incarnation after a restart
  };
  Node& node(std::int32_t n);
  static void note_sent(Node& s, const sim::TraceEvent& e) {
    if (e.label == 6 || e.label == 7) return;  // PreVote and its reply: the term asked for (thesis 9.6)
    if (e.a > s.max_sent_term) s.max_sent_term = e.a;
  }
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::vector<Node> nodes_;
};

class MonotonicCommit final : public Checker {
 public:
  const char* name() const override { return "monotonic-commit"; }
  // Inline: a commit index that moves up at a node already seen.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind == sim::EventKind::commit && e.node >= 0 && n < commit_.size() && e.a > commit_[n]) {
      commit_[n] = e.a;
      return std::nullopt;
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::commit);
  KindMask kinds() const override { return kSetKinds; }

 private:
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::vector<std::uint64_t> commit_;
};

}  // namespace checkers
