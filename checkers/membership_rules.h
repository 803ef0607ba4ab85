// The rules of single-server membership changes (Ongaro's thesis 4.1, 4.2.2; raft/membership.h), at the
// event where a node breaks them, from `membership` events (trace format 3, kind 52):
//   * one-change-at-a-time: a leader appends a configuration entry only when the configuration it is in
//     is committed (its entry at or below the leader's commit index): at most one uncommitted change;
//   * change-own-term: a leader appends a configuration entry only after it committed an entry of its own
//     term (Ongaro, raft-dev 2015: otherwise a change committed under a newer configuration may be lost);
//   * removed-leader: a node that is no voter of the newest committed configuration never becomes leader
//     (unless some node is already in a later configuration that has it as a voter again: re-added) with
//     the vote of a node that knew it: whose own configuration leaves the candidate out and is at or below
//     its commit index. A removed leader that may hold the only copy of its removal stands again (thesis
//     4.2.2; the reference Raft's may_stand), and after a restart neither it nor a voter that never learned
//     of the commit (its leader stepped down on committing) can tell: their election is Raft's, not a bug.
// Quiet without membership events. A leader is any node that last reported the leader role.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/rule_switch.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_view.h"

namespace checkers {

enum class MembershipRule : std::uint8_t { one_change_at_a_time = 0, change_own_term = 1, removed_leader = 2 };
inline constexpr std::size_t kMembershipRuleCount = 3;
const char* membership_rule_name(MembershipRule rule);

class MembershipRules final : public Checker {
 public:
  MembershipRules() = default;  // with a mirror of its own
  explicit MembershipRules(const LogMirror& shared) : mirror_(shared) {}
  const char* name() const override { return "membership"; }
  // Inline, with the shared mirror and no membership event yet: a commit at a node already seen only
  // raises its commit index (no configuration to commit).
  // always_inline: into StandardDispatch's commit function, which is past GCC's inlining limits.
  [[gnu::always_inline]] std::optional<Violation> observe(const sim::TraceEvent& e) override {
    const auto n = static_cast<std::size_t>(e.node);
    if (e.kind == sim::EventKind::commit && mirror_.shared() && !view_.active() && e.node >= 0 && n < nodes_.size()) {
      RAFTSIM_ASSERT(e.node < view_.nodes());
      nodes_[n].commit = std::max(nodes_[n].commit, e.a);
      return std::nullopt;
    }
    return observe_slow(e);
  }
  // With the set's shared mirror, appends and truncations change nothing here: its own configuration view
  // counts the nodes they name, but it only walks that count for configurations, which membership events
  // (read) report.
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::membership) | kind_bit(sim::EventKind::crash) |
      kind_bit(sim::EventKind::restart) | kind_bit(sim::EventKind::vote) | kind_bit(sim::EventKind::commit) |
      kind_bit(sim::EventKind::snapshot_installed) | kind_bit(sim::EventKind::snapshot_restored);
  KindMask kinds() const override { return mirror_.shared() ? kSetKinds : kLogMirrorKinds | kSetKinds; }
  std::vector<std::string> rule_names() const override;
  bool disable_rule(const std::string& rule) override;

 private:
  struct NodeState {
    bool leader = false;
    std::uint64_t term = 0;
    std::uint64_t commit = 0;
  };
  NodeState& node(std::int32_t n);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  bool on(MembershipRule rule) const { return rules_.on(rule); }
  Violation violation(MembershipRule rule, std::int64_t time_us, std::vector<std::int32_t> nodes, std::string message) const;
  std::optional<Violation> check_change(const sim::TraceEvent& e, const NodeState& s, const MembershipView::Config& before) const;
  std::optional<Violation> check_leader(const sim::TraceEvent& e) const;

  MirrorView mirror_;
  MembershipView view_;
  std::vector<NodeState> nodes_;
  // removed-leader: (term, candidate) -> a voter that knew a committed configuration without the candidate
  // and voted for it; the oldest terms are dropped past a bound (an election is judged when it ends).
  std::map<std::pair<std::uint64_t, std::int32_t>, std::int32_t> informed_votes_;
  RuleSwitch<MembershipRule, kMembershipRuleCount, membership_rule_name> rules_;
};

}  // namespace checkers
