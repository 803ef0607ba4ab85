// Committed on a majority (Raft paper 5.3: "A log entry is committed once the leader that created the
// entry has replicated it on a majority of the servers"; thesis 3.6 likewise for entries of earlier
// terms, which become committed with the leader's own). Whenever a node reports a commit index, the entry
// it holds there must be in the logs of a majority of the nodes at that moment.
//
// Why this is sound for a correct Raft: a majority made the entry durable before acknowledging it, and a
// committed entry is never removed from a log (every later leader holds it, Leader Completeness). A
// crashed node's disk is not in the event stream, so while it is down it counts with its log as it was
// at the crash: for committed entries that is a superset of what is durable. Only the committed index
// itself is checked: log matching (its own checker) carries agreement to every index below it.
//
// It sees an entry committed without a majority the moment it happens; leader completeness and
// state-machine safety see it only once another leader or another apply contradicts it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/assert.h"
#include "checkers/checker.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_view.h"

namespace checkers {

class CommitQuorum final : public Checker {
 public:
  CommitQuorum() = default;  // with a mirror and a configuration view of its own
  // CheckerSet's shared mirror and view (the view counts the nodes every event shows).
  CommitQuorum(const LogMirror& shared, const MembershipView& membership) : mirror_(shared), membership_(membership) {}
  const char* name() const override { return "commit-quorum"; }
  // Inline: with the set's shared views and no membership change, a commit at or below an index already
  // counted (quorum_index_, with no prefix shrunk since and the same majority) and within the committing
  // node's shared prefix (so its entry is the committed one) passes, as observe_slow's check of a
  // remembered count does: a follower's commit, most of them.
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    if (e.kind == sim::EventKind::commit && mirror_.shared() && membership_.shared() && e.a <= quorum_index_ &&
        static_cast<std::size_t>(e.node) < leader_.size() && e.a <= mirror_->log(e.node).base() &&
        quorum_shrinks_ == mirror_->shrinks() && !membership_->active() &&
        quorum_majority_ == membership_->nodes() / 2 + 1) {
      return std::nullopt;
    }
    return observe_slow(e);
  }
  // With the set's shared mirror and view (which the set applies), only commits and who leads matter.
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::crash);
  KindMask kinds() const override { return membership_.shared() && mirror_.shared() ? kSetKinds : kAllKinds; }

 private:
  // Whether `node` holds `entry` (term and digest) at `index`; a down node keeps what it had.
  bool holds(std::int32_t node, std::uint64_t index, const LogMirror::Slot& entry) const {
    RAFTSIM_ASSERT(node >= 0 && node < membership_->nodes());
    const LogMirror::Slot* slot = mirror_->at_or_at_crash(node, index);
    return slot != nullptr && slot->term == entry.term && slot->digest == entry.digest;
  }
  // holds(), where `committed_entry` says whether `entry` is the committed prefix's entry at `index`: a node
  // that is up and whose shared prefix reaches `index` holds exactly that one (most nodes, most commits).
  bool holds_quick(std::int32_t node, std::uint64_t index, const LogMirror::Slot& entry, bool committed_entry) const {
    return mirror_->in_shared_prefix(node, index) ? committed_entry : holds(node, index, entry);
  }
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  [[gnu::noinline]] Violation report(const sim::TraceEvent& e, std::uint64_t index, const LogMirror::Slot& entry) const;
  template <typename Holds>
  std::optional<Violation> check_configuration(const sim::TraceEvent& e, std::uint64_t index, const LogMirror::Slot& entry,
                                               const Holds& holds) const;

  MirrorView mirror_;
  // Thesis 4.1: with membership changes, a majority of the voters of the committing node's configuration;
  // a follower (which commits what a leader committed under the leader's configuration) passes with a
  // majority of any configuration a node has been in. The view also gives the cluster size as far as the
  // stream has shown it (nodes()).
  MembershipFeed membership_;
  std::vector<std::uint8_t> leader_;  // per node: reports itself leader now (1), or not (0)
  // Without membership changes: indices 1..quorum_index_ were in the shared prefix of `quorum_majority_` up
  // nodes when the mirror's shrinks() was `quorum_shrinks_` (still true while both are unchanged).
  std::uint64_t quorum_index_ = 0;
  std::uint64_t quorum_shrinks_ = 0;
  std::int32_t quorum_majority_ = 0;
};

// Leaders commit by counting only entries of their own term (5.4.2: "Raft never commits log entries from
// previous terms by counting replicas"; Figure 8 shows why counting is not enough for them). Whenever a
// node that leads term T reports a new commit index, the entry there must be of term T; the earlier
// entries below it become committed with it (Log Matching). Any correct leader passes; a leader that
// commits an earlier term's entry is exposed even in runs where no later leader happens to overwrite it.
class CommitCurrentTerm final : public Checker {
 public:
  CommitCurrentTerm() = default;  // with a mirror of its own
  explicit CommitCurrentTerm(const LogMirror& shared) : mirror_(shared) {}
  const char* name() const override { return "commit-current-term"; }
  // Inline, with the shared mirror: a commit at a node already seen that does not lead (four in five).
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind == sim::EventKind::commit && mirror_.shared() && e.node >= 0 && n < leading_term_.size() &&
        leading_term_[n] == 0) {
      return std::nullopt;
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::crash);
  KindMask kinds() const override { return mirror_.shared() ? kSetKinds : kLogMirrorKinds | kSetKinds; }

 private:
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  MirrorView mirror_;
  std::vector<std::uint64_t> leading_term_;  // per node: the term it leads, 0 if it is not leader
};

}  // namespace checkers
