// Two rules of the election (Raft paper 5.2), checked from the `vote` and `role` observations:
//
//  * single-vote: "each server will vote for at most one candidate in a given term". Checked within one
//    incarnation of a node: across a crash a vote that never became durable was never sent either, so a
//    restarted node may legally vote again (votes that leaked before they were durable are the
//    monotonic-term checker's business: the reply carried a term the restarted node forgot).
//  * election-quorum: a node becomes leader of term T only with the votes of a majority: itself and the
//    nodes observed granting it their vote in T (in any incarnation, the lenient reading).
//
// Both see a rule broken the moment it breaks, where election safety sees it only if the second vote or
// the missing quorum goes on to elect a second leader in the same term.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "checkers/checker.h"
#include "checkers/membership_view.h"

namespace checkers {

class SingleVote final : public Checker {
 public:
  const char* name() const override { return "single-vote"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::vote);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct LastVote {
    std::uint32_t incarnation = 0;
    std::uint64_t term = 0;  // 0: no vote yet in this incarnation
    std::uint64_t candidate = 0;
    std::int64_t time_us = 0;
  };
  std::vector<LastVote> last_;  // per node
};

class ElectionQuorum final : public Checker {
 public:
  ElectionQuorum() = default;  // with a configuration view of its own
  explicit ElectionQuorum(const MembershipView& shared) : membership_(shared) {}
  const char* name() const override { return "election-quorum"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  // With the shared view (which counts the nodes every event shows) only votes and roles matter.
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::vote) | kind_bit(sim::EventKind::role);
  KindMask kinds() const override { return membership_.shared() ? kSetKinds : kAllKinds; }

 private:
  // The view also gives the cluster size as far as the stream has shown it (nodes()).
  MembershipFeed membership_;  // thesis 4.1: votes count among the voters of the new leader's configuration
  // term -> candidate -> the nodes that granted it their vote in that term
  std::map<std::uint64_t, std::map<std::uint64_t, std::set<std::int32_t>>> voters_;
};

}  // namespace checkers
