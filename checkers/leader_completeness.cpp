#include "checkers/leader_completeness.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::uint64_t LeaderCompleteness::required_prefix(std::uint64_t term) const {
  std::uint64_t prefix = 0;
  for (const auto& [committed_term, index] : committed_in_term_) {
    if (committed_term >= term) break;  // sorted by term
    prefix = std::max(prefix, index);
  }
  RAFTSIM_ASSERT(prefix <= committed_.size());
  return prefix;
}

std::optional<Violation> LeaderCompleteness::observe(const sim::TraceEvent& e) {
  mirror_.apply(e);  // malformed log changes are the log-matching checker's to report
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
    // Extend the committed prefix with this node's entries (log matching keeps them consistent).
    for (std::uint64_t i = committed_.size() + 1; i <= commit; ++i) {
      const LogMirror::Slot* slot = mirror_->at(e.node, i);
      if (slot == nullptr) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} committed index {} but its log ends at {}", e.node, commit,
                                     mirror_->log(e.node).size())};
      }
      committed_.push_back(Committed{slot->term, slot->digest, e.node});
    }
    std::uint64_t& reach = committed_in_term_[term];
    reach = std::max(reach, commit);
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::role || e.a != static_cast<std::uint64_t>(sim::Role::leader)) return std::nullopt;
  // A new leader of term L: it must hold every entry committed in a term below L, as committed.
  const auto& log = mirror_->log(e.node);
  const std::uint64_t required = required_prefix(e.b);
  for (std::size_t i = 0; i < required; ++i) {
    const Committed& c = committed_[i];
    if (i < log.size() && log[i].term == c.term && log[i].digest == c.digest) continue;
    const std::string has = i < log.size() ? fmt::format("an entry of term {}", log[i].term)
                                           : fmt::format("no entry (its log ends at {})", log.size());
    return Violation{name(), Severity::safety, e.time_us, {c.node, e.node},
                     fmt::format("node {} became leader of term {} without committed index {} (term {}, committed "
                                 "by node {}): it has {} there",
                                 e.node, e.b, i + 1, c.term, c.node, has)};
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
