#include "checkers/log_matching.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

void LogMatching::summarise_committed() {
  const auto& committed = mirror_->committed();
  for (; summarised_ < committed.size(); ++summarised_) {
    const std::uint64_t index = summarised_ + 1;
    const LogMirror::Slot& c = committed[summarised_];
    const auto it = seen_.find(std::make_pair(index, c.term));
    // The first node to commit `index` appended this entry, and that append was checked against the first
    // chain seen: equal, or the run ended with a violation before this commit.
    RAFTSIM_ASSERT(it != seen_.end() && it->second.chain == c.chain);
    if (first_appenders_.empty() || first_appenders_.back().node != it->second.node) {
      first_appenders_.push_back(Run{index, it->second.node});
    }
    seen_.erase(it);
  }
}

std::int32_t LogMatching::first_appender(std::uint64_t committed_index) const {
  const auto after = std::upper_bound(first_appenders_.begin(), first_appenders_.end(), committed_index,
                                      [](std::uint64_t i, const Run& r) { return i < r.first_index; });
  RAFTSIM_ASSERT(after != first_appenders_.begin());
  return std::prev(after)->node;
}

std::optional<Violation> LogMatching::observe(const sim::TraceEvent& e) {
  if (auto problem = mirror_.apply(e)) return Violation{name(), Severity::safety, e.time_us, {e.node}, *problem};
  if (e.kind == sim::EventKind::commit) summarise_committed();
  if (e.kind != sim::EventKind::log_append) return std::nullopt;
  const LogMirror::Slot* slot = mirror_->at(e.node, e.a);
  RAFTSIM_ASSERT(slot != nullptr && slot->term == e.b);
  std::uint64_t first_chain = 0;
  std::int32_t first_node = -1;
  if (e.a <= summarised_ && mirror_->committed()[e.a - 1].term == e.b) {
    first_chain = mirror_->committed()[e.a - 1].chain;  // the committed entry's (i, t): see the header
    first_node = first_appender(e.a);
  } else {
    auto [it, inserted] = seen_.emplace(std::make_pair(e.a, e.b), First{slot->chain, e.node});
    if (inserted) return std::nullopt;
    first_chain = it->second.chain;
    first_node = it->second.node;
  }
  if (first_chain != slot->chain) {
    return Violation{name(), Severity::safety, e.time_us, {first_node, e.node},
                     fmt::format("node {} and node {} both have an entry at index {} in term {}, but their logs "
                                 "differ at or before that index",
                                 first_node, e.node, e.a, e.b)};
  }
  return std::nullopt;
}

}  // namespace checkers
