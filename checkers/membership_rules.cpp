#include "checkers/membership_rules.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

namespace {
// removed-leader: the elections whose informed votes are kept (an election is judged when it ends).
constexpr std::size_t kElectionsKept = 4096;
}  // namespace

const char* membership_rule_name(MembershipRule rule) {
  switch (rule) {
    case MembershipRule::one_change_at_a_time: return "one-change-at-a-time";
    case MembershipRule::change_own_term: return "change-own-term";
    case MembershipRule::removed_leader: return "removed-leader";
  }
  RAFTSIM_ASSERT_MSG(false, "membership_rule_name: value outside the enum");
  return "?";
}

std::vector<std::string> MembershipRules::rule_names() const { return rules_.enabled_names(); }

bool MembershipRules::disable_rule(const std::string& rule) { return rules_.disable(rule); }

MembershipRules::NodeState& MembershipRules::node(std::int32_t n) {
  RAFTSIM_ASSERT(n >= 0);
  const auto i = static_cast<std::size_t>(n);
  if (i >= nodes_.size()) nodes_.resize(i + 1);
  return nodes_[i];
}

Violation MembershipRules::violation(MembershipRule rule, std::int64_t time_us, std::vector<std::int32_t> nodes,
                                     std::string message) const {
  return Violation{membership_rule_name(rule), Severity::safety, time_us, std::move(nodes), std::move(message)};
}

std::optional<Violation> MembershipRules::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  mirror_.update(e);
  NodeState& s = node(e.node);
  const MembershipView::Config before = view_.config_of(e.node);
  view_.observe(e);
  switch (e.kind) {
    case sim::EventKind::role:
      s.leader = e.a == static_cast<std::uint64_t>(sim::Role::leader);
      s.term = e.b;
      if (s.leader) return check_leader(e);
      return std::nullopt;
    case sim::EventKind::crash:
    case sim::EventKind::restart:
      s = NodeState{};  // the commit index is volatile; it is learned again
      return std::nullopt;
    case sim::EventKind::commit:
      s.commit = std::max(s.commit, e.a);
      return std::nullopt;
    case sim::EventKind::snapshot_installed:
    case sim::EventKind::snapshot_restored:
      s.commit = std::max(s.commit, e.a);
      return std::nullopt;
    case sim::EventKind::vote: {
      const MembershipView::Config& c = view_.config_of(e.node);
      const auto candidate = static_cast<std::int32_t>(e.b);
      if (c.known && !MembershipView::has(c.voters, candidate) && s.commit >= c.index) {
        informed_votes_.emplace(std::make_pair(e.a, candidate), e.node);
        if (informed_votes_.size() > kElectionsKept) informed_votes_.erase(informed_votes_.begin());
        RAFTSIM_ASSERT(informed_votes_.size() <= kElectionsKept);
      }
      return std::nullopt;
    }
    case sim::EventKind::membership:
      // A leader's configuration changes only by an entry it appends itself.
      if (s.leader && before.known && e.c > before.index) return check_change(e, s, before);
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::optional<Violation> MembershipRules::check_change(const sim::TraceEvent& e, const NodeState& s,
                                                      const MembershipView::Config& before) const {
  RAFTSIM_ASSERT(view_.config_of(e.node).known);
  if (on(MembershipRule::change_own_term)) {
    const LogMirror::Slot* committed = s.commit == 0 ? nullptr : mirror_->at(e.node, s.commit);
    if (committed == nullptr || committed->term != s.term) {
      return violation(MembershipRule::change_own_term, e.time_us, {e.node},
                       fmt::format("node {}, leader of term {}, appended a configuration entry at index {} before it "
                                   "committed an entry of its own term (commit index {}{}): a leader that does not yet "
                                   "know the latest committed configuration must not change it (thesis 4.1, Ongaro 2015)",
                                   e.node, s.term, e.c, s.commit,
                                   committed == nullptr ? "" : fmt::format(", of term {}", committed->term)));
    }
  }
  if (on(MembershipRule::one_change_at_a_time) && before.index > s.commit) {
    return violation(MembershipRule::one_change_at_a_time, e.time_us, {e.node},
                     fmt::format("node {}, leader of term {}, appended a configuration entry at index {} while the "
                                 "change at index {} was not committed (commit index {}): at most one uncommitted "
                                 "change at a time, so that every two successive majorities overlap (thesis 4.1)",
                                 e.node, s.term, e.c, before.index, s.commit));
  }
  return std::nullopt;
}

std::optional<Violation> MembershipRules::check_leader(const sim::TraceEvent& e) const {
  if (!on(MembershipRule::removed_leader) || !view_.active()) return std::nullopt;
  const MembershipView::Config& committed = view_.committed();
  if (!committed.known || MembershipView::has(committed.voters, e.node)) return std::nullopt;
  for (std::int32_t n = 0; n < view_.nodes(); ++n) {
    const MembershipView::Config& c = view_.config_of(n);
    if (c.known && c.index > committed.index && MembershipView::has(c.voters, e.node)) return std::nullopt;  // re-added
  }
  const auto informed = informed_votes_.find(std::make_pair(e.b, e.node));
  if (informed == informed_votes_.end()) return std::nullopt;  // no voter could tell (see the header)
  const std::int32_t voter = informed->second;
  return violation(MembershipRule::removed_leader, e.time_us, {e.node, voter},
                   fmt::format("node {} became leader of term {} with the vote of node {}, which knew that its "
                               "configuration of index {} (voters {:#x}, committed) leaves node {} out; the newest "
                               "committed configuration is of index {} (voters {:#x}) and no later one adds it back "
                               "(thesis 4.2.2-4.2.3: a removed server must not lead the cluster)",
                               e.node, e.b, voter, view_.config_of(voter).index, view_.config_of(voter).voters, e.node,
                               committed.index, committed.voters));
}

}  // namespace checkers
