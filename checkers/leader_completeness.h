// Leader Completeness (Raft paper, Figure 3 and 5.4): if a log entry is committed in a given term, that
// entry will be present in the logs of the leaders for all higher-numbered terms.
//
// Every commit event extends the globally committed prefix with the committing node's entries, and
// records the term it was committed in: the committing node's current term (a follower learns a commit
// from the leader of its own term, who committed the entry in that term). A new leader of term L must
// hold the prefix committed in terms below L. A leader of an *older* term may still be elected late (its
// vote replies were delayed) after a higher term committed entries it lacks: the paper's property says
// nothing about it, and it can commit nothing, because every commit majority has moved past its term.
#pragma once

#include <algorithm>
#include <map>
#include <vector>

#include "checkers/checker.h"
#include "checkers/log_mirror.h"

namespace checkers {

class LeaderCompleteness final : public Checker {
 public:
  LeaderCompleteness() = default;  // with a mirror of its own
  explicit LeaderCompleteness(const LogMirror& shared) : mirror_(shared) {}
  const char* name() const override { return "leader-completeness"; }
  // Inline: with the set's shared mirror, a commit that did not grow the committed prefix, within it, by a
  // node whose term's entry is the one reach_ points at only raises that entry (observe_slow's commit case).
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);  // (a negative node is a huge one: observe_slow)
    if (e.kind == sim::EventKind::commit && mirror_.shared() && n < node_term_.size() && reach_ != nullptr &&
        reach_term_ == node_term_[n] && e.a <= committed_seen_ && committed_seen_ == mirror_->committed().size()) {
      *reach_ = std::max(*reach_, e.a);
      return std::nullopt;
    }
    return observe_slow(e);
  }
  // With the set's shared mirror (which the set applies) only commits and roles matter.
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::role);
  KindMask kinds() const override { return mirror_.shared() ? kSetKinds : kLogMirrorKinds | kSetKinds; }

 private:
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  struct Committer {
    std::uint64_t first_index;  // this node first reported indices first_index.. (up to the next run) committed
    std::int32_t node;
  };
  // The longest prefix that must be in a leader of `term`'s log.
  std::uint64_t required_prefix(std::uint64_t term) const;
  // The node that first reported `index` committed.
  std::int32_t committer_of(std::uint64_t index) const;

  MirrorView mirror_;
  // The committed entries are the mirror's committed prefix (the same slots this checker once copied: both
  // extend it at the same commit events from the same log, and this checker reports the one case where
  // they would differ, a node committing past its own log). Who first committed each index is kept in runs
  // (a leader commits thousands of indices in a row): memory per leader change, not per entry.
  std::vector<Committer> committers_;
  std::uint64_t committed_seen_ = 0;  // the committed prefix's length at the latest commit event
  std::vector<std::uint64_t> node_term_;  // per node: its current term, from role events
  // For every term some commit happened in: the highest index committed in it. Terms are few (tens), so a
  // scan per new leader is cheap.
  std::map<std::uint64_t, std::uint64_t> committed_in_term_;
  // committed_in_term_'s entry for the term of the latest commit (map nodes are never erased, so the pointer
  // stays valid): commits come in long runs of one term, and this saves a map lookup per commit (issue 14).
  std::uint64_t reach_term_ = 0;
  std::uint64_t* reach_ = nullptr;
};

// Leader Append-Only (Figure 3): a leader never overwrites or deletes entries in its log.
class LeaderAppendOnly final : public Checker {
 public:
  const char* name() const override { return "leader-append-only"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::log_truncate);
  KindMask kinds() const override { return kSetKinds; }

 private:
  std::vector<std::uint64_t> leader_term_;  // per node: the term it leads, 0 if it is not leader
};

}  // namespace checkers
