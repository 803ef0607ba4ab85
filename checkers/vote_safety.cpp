#include "checkers/vote_safety.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> SingleVote::observe(const sim::TraceEvent& e) {
  if (e.kind != sim::EventKind::vote) return std::nullopt;
  RAFTSIM_ASSERT(e.node >= 0);
  const auto n = static_cast<std::size_t>(e.node);
  if (n >= last_.size()) last_.resize(n + 1);
  LastVote& last = last_[n];
  const std::uint64_t term = e.a;
  const std::uint64_t candidate = e.b;
  const bool same_term = last.incarnation == e.incarnation && last.term == term;
  if (same_term && last.candidate != candidate) {
    return Violation{name(), Severity::safety, e.time_us, {e.node, static_cast<std::int32_t>(last.candidate),
                                                           static_cast<std::int32_t>(candidate)},
                     fmt::format("node {} voted twice in term {}: for node {} at {:.3f}ms, then for node {} (5.2: at "
                                 "most one vote per term)",
                                 e.node, term, last.candidate, static_cast<double>(last.time_us) / 1000.0, candidate)};
  }
  if (!same_term) last = LastVote{e.incarnation, term, candidate, e.time_us};
  RAFTSIM_ASSERT(last.candidate == candidate && last.term == term);
  return std::nullopt;
}

std::optional<Violation> ElectionQuorum::observe(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  membership_.observe(e);
  const std::int32_t nodes = membership_->nodes();  // the cluster size as far as the stream has shown it
  RAFTSIM_ASSERT(nodes > e.node);
  if (e.kind == sim::EventKind::vote) {
    voters_[e.a][e.b].insert(e.node);
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::role || e.a != static_cast<std::uint64_t>(sim::Role::leader)) return std::nullopt;
  const std::uint64_t term = e.b;
  std::set<std::int32_t> voters = voters_[term][static_cast<std::uint64_t>(e.node)];
  voters.insert(e.node);  // its own vote (not every implementation reports it)
  if (membership_->active()) {
    // Thesis 4.1: a majority of the voters of the configuration the new leader is in; other votes (of
    // learners, spares, removed nodes) do not count.
    const std::uint64_t config = membership_->voters_of(e.node);
    std::erase_if(voters, [&](std::int32_t v) { return !MembershipView::has(config, v); });
    if (voters.size() >= MembershipView::majority(config)) return std::nullopt;
    std::string list;
    for (std::int32_t v : voters) list += fmt::format("{}{}", list.empty() ? "" : ", ", v);
    return Violation{name(), Severity::safety, e.time_us, {e.node},
                     fmt::format("node {} became leader of term {} with the votes of only {} of the {} voters of its "
                                 "configuration ({}): a leader needs a majority of them, {} (5.2, thesis 4.1)",
                                 e.node, term, voters.size(), MembershipView::count(config), list,
                                 MembershipView::majority(config))};
  }
  const auto majority = static_cast<std::size_t>(nodes / 2 + 1);
  RAFTSIM_ASSERT(voters.size() <= static_cast<std::size_t>(nodes));
  if (voters.size() >= majority) return std::nullopt;
  std::string list;
  for (std::int32_t v : voters) list += fmt::format("{}{}", list.empty() ? "" : ", ", v);
  return Violation{name(), Severity::safety, e.time_us, {e.node},
                   fmt::format("node {} became leader of term {} with the votes of only {} of {} nodes ({}): a "
                               "leader needs a majority, {} (5.2)",
                               e.node, term, voters.size(), nodes, list, majority)};
}

}  // namespace checkers
