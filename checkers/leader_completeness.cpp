#include "checkers/leader_completeness.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> LeaderCompleteness::observe(const sim::TraceEvent& e) {
  mirror_.apply(e);  // malformed log changes are the log-matching checker's to report
  if (e.kind == sim::EventKind::commit) {
    const std::uint64_t commit = e.a;
    // Extend the committed prefix with this node's entries (log matching keeps them consistent).
    for (std::uint64_t i = committed_.size() + 1; i <= commit; ++i) {
      const LogMirror::Slot* slot = mirror_.at(e.node, i);
      if (slot == nullptr) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} committed index {} but its log ends at {}", e.node, commit,
                                     mirror_.log(e.node).size())};
      }
      committed_.push_back(Committed{slot->term, slot->digest, e.node});
    }
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::role || e.a != static_cast<std::uint64_t>(sim::Role::leader)) return std::nullopt;
  // A new leader: it must hold every entry committed so far, in the term it was committed with.
  const auto& log = mirror_.log(e.node);
  for (std::size_t i = 0; i < committed_.size(); ++i) {
    const Committed& c = committed_[i];
    if (i < log.size() && log[i].term == c.term && log[i].digest == c.digest) continue;
    const std::string has = i < log.size() ? fmt::format("an entry of term {}", log[i].term)
                                           : fmt::format("no entry (its log ends at {})", log.size());
    return Violation{name(), Severity::safety, e.time_us, {c.node, e.node},
                     fmt::format("node {} became leader of term {} without committed index {} (term {}, committed "
                                 "by node {}): it has {} there",
                                 e.node, e.b, i + 1, c.term, c.node, has)};
  }
  RAFTSIM_ASSERT(log.size() >= committed_.size());
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
