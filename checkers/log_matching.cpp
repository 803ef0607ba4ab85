#include "checkers/log_matching.h"

#include <algorithm>
#include <cstddef>
#include <iterator>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

void LogMatching::summarise_committed() {
  const auto& committed = mirror_->committed();
  // Most commits (a follower's, four in five) do not grow the committed prefix: nothing to move, and the
  // window's front changes only in the loop below.
  RAFTSIM_ASSERT(summarised_ <= committed.size());
  if (summarised_ == committed.size()) return;
  for (; summarised_ < committed.size(); ++summarised_) {
    const std::uint64_t index = summarised_ + 1;
    const LogMirror::Slot& c = committed[summarised_];
    // The first node to commit `index` appended this entry, and that append was checked against the first
    // chain seen: equal, or the run ended with a violation before this commit. So the window reaches it.
    RAFTSIM_ASSERT(head_ < window_.size());
    const Slot front = window_[head_++];
    First winner{};
    if (front.first.node >= 0 && front.term == c.term) {
      winner = front.first;
    } else {
      const auto it = others_.find(std::make_pair(index, c.term));
      RAFTSIM_ASSERT(it != others_.end());
      winner = it->second;
      others_.erase(it);
      // The slot's term lost at `index`: a node may still append it again (from its disk), so it stays.
      if (front.first.node >= 0) {
        RAFTSIM_ASSERT(front.term != c.term);
        const bool inserted = others_.emplace(std::make_pair(index, front.term), front.first).second;
        RAFTSIM_ASSERT(inserted);
      }
    }
    RAFTSIM_ASSERT(winner.node >= 0 && winner.chain == c.chain);
    if (first_appenders_.empty() || first_appenders_.back().node != winner.node) {
      first_appenders_.push_back(Run{index, winner.node});
    }
  }
  if (head_ >= 64 && 2 * head_ >= window_.size()) {
    window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  RAFTSIM_ASSERT(head_ <= window_.size());
}

std::int32_t LogMatching::first_appender(std::uint64_t committed_index) const {
  const auto after = std::upper_bound(first_appenders_.begin(), first_appenders_.end(), committed_index,
                                      [](std::uint64_t i, const Run& r) { return i < r.first_index; });
  RAFTSIM_ASSERT(after != first_appenders_.begin());
  return std::prev(after)->node;
}

std::optional<Violation> LogMatching::observe_slow(const sim::TraceEvent& e) {
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
    const First here{slot->chain, e.node};
    const First* first = nullptr;
    Slot* s = nullptr;
    if (e.a > summarised_) {
      const std::uint64_t k = head_ + (e.a - summarised_ - 1);
      if (k >= window_.size()) window_.resize(k + 1, Slot{0, First{0, -1}});
      s = &window_[k];
    }
    if (s != nullptr && s->first.node < 0) {
      *s = Slot{e.b, here};  // the first pair seen at this index
      return std::nullopt;
    }
    if (s != nullptr && s->term == e.b) {
      first = &s->first;
    } else {
      auto [it, inserted] = others_.emplace(std::make_pair(e.a, e.b), here);
      if (inserted) return std::nullopt;
      first = &it->second;
    }
    RAFTSIM_ASSERT(first->node >= 0);
    first_chain = first->chain;
    first_node = first->node;
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
