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

#include <optional>
#include <vector>

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
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override {
    using K = sim::EventKind;
    return membership_.shared() ? kLogMirrorKinds | kind_bit(K::role) | kind_bit(K::crash) : kAllKinds;
  }

 private:
  LogMirror::LogRef log_of(std::int32_t node) const;
  template <typename Holds>
  std::optional<Violation> check_configuration(const sim::TraceEvent& e, std::uint64_t index, const LogMirror::Slot& entry,
                                               const Holds& holds) const;

  MirrorView mirror_;
  // Thesis 4.1: with membership changes, a majority of the voters of the committing node's configuration;
  // a follower (which commits what a leader committed under the leader's configuration) passes with a
  // majority of any configuration a node has been in. The view also gives the cluster size as far as the
  // stream has shown it (nodes()).
  MembershipFeed membership_;
  std::vector<bool> leader_;  // per node: reports itself leader now
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
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override { return kLogMirrorKinds | kind_bit(sim::EventKind::role); }

 private:
  MirrorView mirror_;
  std::vector<std::uint64_t> leading_term_;  // per node: the term it leads, 0 if it is not leader
};

}  // namespace checkers
