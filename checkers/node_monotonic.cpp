#include "checkers/node_monotonic.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

MonotonicTerm::Node& MonotonicTerm::node(std::int32_t n) {
  RAFTSIM_ASSERT(n >= 0);
  if (static_cast<std::size_t>(n) >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(n) + 1);
  return nodes_[static_cast<std::size_t>(n)];
}

std::optional<Violation> MonotonicTerm::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  switch (e.kind) {
    case sim::EventKind::send:
      note_sent(node(e.node), e);
      return std::nullopt;
    case sim::EventKind::crash:
      node(e.node).restarted = true;
      return std::nullopt;
    case sim::EventKind::role: {
      Node& s = node(e.node);
      const std::uint64_t term = e.b;
      if (s.restarted) {
        s.restarted = false;
        if (term < s.max_sent_term) {
          return Violation{name(), Severity::safety, e.time_us, {e.node},
                           fmt::format("node {} restarted in term {}, but before the crash it had sent messages of "
                                       "term {}: that term was not durable before it was used",
                                       e.node, term, s.max_sent_term)};
        }
      } else if (term < s.term) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} went from term {} back to term {}", e.node, s.term, term)};
      }
      s.term = term;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Violation> MonotonicCommit::observe_slow(const sim::TraceEvent& e) {
  if (e.node < 0) return std::nullopt;
  const auto n = static_cast<std::size_t>(e.node);
  if (e.kind == sim::EventKind::crash) {
    if (n < commit_.size()) commit_[n] = 0;  // the commit index is volatile (Figure 2)
    return std::nullopt;
  }
  if (e.kind != sim::EventKind::commit) return std::nullopt;
  if (n >= commit_.size()) commit_.resize(n + 1, 0);
  if (e.a <= commit_[n]) {
    return Violation{name(), Severity::safety, e.time_us, {e.node},
                     fmt::format("node {} moved its commit index from {} to {}", e.node, commit_[n], e.a)};
  }
  commit_[n] = e.a;
  return std::nullopt;
}

}  // namespace checkers
