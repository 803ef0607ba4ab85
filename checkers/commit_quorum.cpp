#include "checkers/commit_quorum.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> CommitQuorum::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  membership_.observe(e);
  const std::int32_t nodes = membership_->nodes();
  RAFTSIM_ASSERT(nodes > e.node);
  const auto n = static_cast<std::size_t>(e.node);
  mirror_.update(e);  // malformed log changes are the log-matching checker's to report
  if (n >= leader_.size()) leader_.resize(n + 1, 0);
  if (e.kind == sim::EventKind::role) leader_[n] = e.a == static_cast<std::uint64_t>(sim::Role::leader) ? 1 : 0;
  if (e.kind == sim::EventKind::crash) leader_[n] = 0;
  if (e.kind != sim::EventKind::commit) return std::nullopt;
  const std::uint64_t index = e.a;
  const LogMirror::Slot* entry = mirror_->at(e.node, index);
  if (entry == nullptr) return std::nullopt;  // committing past its own log: leader completeness reports it
  // Whether the entry is the committed prefix's at that index (as the first node to commit it held it).
  const std::vector<LogMirror::Slot>& committed = mirror_->committed();
  const bool committed_entry = index <= committed.size() && committed[index - 1].term == entry->term &&
                               committed[index - 1].digest == entry->digest;
  if (membership_->active()) {
    return check_configuration(e, index, *entry,
                               [&](std::int32_t m) { return holds_quick(m, index, *entry, committed_entry); });
  }
  // Counting stops at a majority (commits are frequent); report() counts them all.
  const std::int32_t majority = nodes / 2 + 1;
  // Most commits: the entry is the committed prefix's and a majority of nodes are up with a shared prefix
  // reaching it, which one pass over the mirror's bases shows (each such node holds it: holds_quick).
  // Otherwise the node-by-node count below decides, exactly as before.
  // A follower's commit usually reaches no further than an index already counted that way, with no node's
  // prefix shrunk since (LogMirror::shrinks) and the same majority: no count needed.
  if (committed_entry) {
    const bool same = quorum_shrinks_ == mirror_->shrinks() && quorum_majority_ == majority;
    if (same && index <= quorum_index_) return std::nullopt;
    if (mirror_->count_in_shared_prefix(index, majority) >= majority) {
      quorum_index_ = same ? std::max(quorum_index_, index) : index;
      quorum_shrinks_ = mirror_->shrinks();
      quorum_majority_ = majority;
      return std::nullopt;
    }
  }
  std::int32_t holders = 0;
  for (std::int32_t m = 0; m < nodes && holders < majority; ++m) {
    holders += holds_quick(m, index, *entry, committed_entry) ? 1 : 0;
  }
  RAFTSIM_ASSERT(holders <= majority);
  if (holders >= majority) return std::nullopt;
  return report(e, index, *entry);
}

Violation CommitQuorum::report(const sim::TraceEvent& e, std::uint64_t index, const LogMirror::Slot& entry) const {
  const std::int32_t nodes = membership_->nodes();
  std::int32_t holders = 0;
  std::string missing;
  for (std::int32_t m = 0; m < nodes; ++m) {
    if (holds(m, index, entry)) {
      ++holders;
    } else {
      missing += fmt::format("{}{}", missing.empty() ? "" : ", ", m);
    }
  }
  RAFTSIM_ASSERT(holders >= 1 && holders < nodes / 2 + 1);  // the committing node holds it; no majority does
  return Violation{name(), Severity::safety, e.time_us, {e.node},
                   fmt::format("node {} committed index {} (term {}), but only {} of {} nodes hold that entry "
                               "(missing at nodes {}): an entry is committed only once a majority stores it (5.3)",
                               e.node, index, entry.term, holders, nodes, missing)};
}

template <typename Holds>
std::optional<Violation> CommitQuorum::check_configuration(const sim::TraceEvent& e, std::uint64_t index,
                                                            const LogMirror::Slot& entry, const Holds& holds) const {
  const std::int32_t nodes = membership_->nodes();
  const auto holders_in = [&](std::uint64_t mask) {
    std::size_t count = 0;
    for (std::int32_t m = 0; m < nodes && m < 64; ++m) count += MembershipView::has(mask, m) && holds(m) ? 1 : 0;
    return count;
  };
  const std::uint64_t own = membership_->voters_of(e.node);
  if (holders_in(own) >= MembershipView::majority(own)) return std::nullopt;
  if (!leader_[static_cast<std::size_t>(e.node)]) {
    for (std::uint64_t set : membership_->seen_voter_sets()) {
      if (holders_in(set) >= MembershipView::majority(set)) return std::nullopt;
    }
  }
  std::string voters;
  std::string missing;
  for (std::int32_t m = 0; m < nodes && m < 64; ++m) {
    if (!MembershipView::has(own, m)) continue;
    voters += fmt::format("{}{}", voters.empty() ? "" : ", ", m);
    if (!holds(m)) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", m);
  }
  return Violation{name(), Severity::safety, e.time_us, {e.node},
                   fmt::format("node {} ({}) committed index {} (term {}), but only {} of the {} voters of its "
                               "configuration ({}) hold that entry (missing at {}): an entry is committed only once a "
                               "majority of the configuration's voters stores it (5.3, thesis 4.1; learners do not count)",
                               e.node, leader_[static_cast<std::size_t>(e.node)] ? "leader" : "follower", index,
                               entry.term, holders_in(own), MembershipView::count(own), voters, missing)};
}

std::optional<Violation> CommitCurrentTerm::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  mirror_.update(e);
  const auto n = static_cast<std::size_t>(e.node);
  if (n >= leading_term_.size()) leading_term_.resize(n + 1, 0);
  if (e.kind == sim::EventKind::role) {
    leading_term_[n] = e.a == static_cast<std::uint64_t>(sim::Role::leader) ? e.b : 0;
  } else if (e.kind == sim::EventKind::crash) {
    leading_term_[n] = 0;
  }
  if (e.kind != sim::EventKind::commit || leading_term_[n] == 0) return std::nullopt;
  const LogMirror::Slot* entry = mirror_->at(e.node, e.a);
  if (entry == nullptr || entry->term == leading_term_[n]) return std::nullopt;  // past its log: see leader completeness
  RAFTSIM_ASSERT(entry->term != 0);
  return Violation{name(), Severity::safety, e.time_us, {e.node},
                   fmt::format("node {}, leader of term {}, committed index {} of term {} by counting replicas: a "
                               "leader commits only entries of its own term, earlier ones with them (5.4.2, Figure 8)",
                               e.node, leading_term_[n], e.a, entry->term)};
}

}  // namespace checkers
