#include "checkers/leader_completeness.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::uint64_t LeaderCompleteness::required_prefix(std::uint64_t term) const {
  std::uint64_t prefix = 0;
  for (const auto& [committed_term, index] : committed_in_term_) {
    if (committed_term >= term) break;  // sorted by term
    prefix = std::max(prefix, index);
  }
  RAFTSIM_ASSERT(prefix <= mirror_->committed().size());
  return prefix;
}

std::int32_t LeaderCompleteness::committer_of(std::uint64_t index) const {
  const auto after = std::upper_bound(committers_.begin(), committers_.end(), index,
                                      [](std::uint64_t i, const Committer& c) { return i < c.first_index; });
  RAFTSIM_ASSERT(after != committers_.begin());
  return std::prev(after)->node;
}

std::optional<Violation> LeaderCompleteness::observe_slow(const sim::TraceEvent& e) {
  mirror_.update(e);  // malformed log changes are the log-matching checker's to report
  if (e.kind == sim::EventKind::role && e.node >= 0) {
    const auto n = static_cast<std::size_t>(e.node);
    if (n >= node_term_.size()) node_term_.resize(n + 1, 0);
    node_term_[n] = e.b;
  }
  if (e.kind == sim::EventKind::commit) {
    const std::uint64_t commit = e.a;
    RAFTSIM_ASSERT(e.node >= 0);
    const auto n = static_cast<std::size_t>(e.node);
    // A node never seen in a role event counts as term 0: the strictest reading.
    const std::uint64_t term = n < node_term_.size() ? node_term_[n] : 0;
    // The mirror extended the committed prefix with this node's entries (log matching keeps them
    // consistent), as far as its log reaches: a commit index beyond the node's log and beyond every earlier
    // commit is reported here.
    const std::uint64_t committed = mirror_->committed().size();
    if (committed < commit) {
      return Violation{name(), Severity::safety, e.time_us, {e.node},
                       fmt::format("node {} committed index {} but its log ends at {}", e.node, commit,
                                   mirror_->log(e.node).size())};
    }
    if (committed > committed_seen_) {
      if (committers_.empty() || committers_.back().node != e.node) committers_.push_back(Committer{committed_seen_ + 1, e.node});
      committed_seen_ = committed;
    }
    if (reach_ == nullptr || reach_term_ != term) {
      reach_ = &committed_in_term_[term];
      reach_term_ = term;
    }
    RAFTSIM_ASSERT(reach_ != nullptr && reach_term_ == term);
    *reach_ = std::max(*reach_, commit);
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::role || e.a != static_cast<std::uint64_t>(sim::Role::leader)) return std::nullopt;
  // A new leader of term L: it must hold every entry committed in a term below L, as committed.
  const LogMirror::LogRef log = mirror_->log(e.node);
  const std::uint64_t required = required_prefix(e.b);
  const auto& committed = mirror_->committed();
  // Entries 1..log.base() are the committed prefix itself: only the node's own entries above it can differ.
  for (std::uint64_t i = std::min(log.base(), required); i < required; ++i) {
    const LogMirror::Slot& c = committed[i];
    const LogMirror::Slot* own = log.at(i + 1);
    if (own != nullptr && own->term == c.term && own->digest == c.digest) continue;
    const std::string has = own != nullptr ? fmt::format("an entry of term {}", own->term)
                                           : fmt::format("no entry (its log ends at {})", log.size());
    const std::int32_t by = committer_of(i + 1);
    return Violation{name(), Severity::safety, e.time_us, {by, e.node},
                     fmt::format("node {} became leader of term {} without committed index {} (term {}, committed "
                                 "by node {}): it has {} there",
                                 e.node, e.b, i + 1, c.term, by, has)};
  }
  RAFTSIM_ASSERT(log.size() >= required);
  return std::nullopt;
}

std::optional<Violation> LeaderAppendOnly::observe(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  const auto n = static_cast<std::size_t>(e.node);
  if (e.kind == sim::EventKind::role) {
    if (n >= leader_term_.size()) leader_term_.resize(n + 1, 0);
    leader_term_[n] = e.a == static_cast<std::uint64_t>(sim::Role::leader) ? e.b : 0;
  } else if (e.kind == sim::EventKind::crash) {
    if (n < leader_term_.size()) leader_term_[n] = 0;
  } else if (e.kind == sim::EventKind::log_truncate && n < leader_term_.size() && leader_term_[n] != 0) {
    return Violation{name(), Severity::safety, e.time_us, {e.node},
                     fmt::format("node {}, leader of term {}, deleted its log entries from index {}", e.node,
                                 leader_term_[n], e.a)};
  }
  return std::nullopt;
}

}  // namespace checkers
