// Per term, the highest index an AppendEntries of that term verified (Figure 2 checker, receiver rules 5 and
// the reply claim), with the highest over all terms up to a given one in O(log terms), and in O(1) at the
// newest term (the one nearly every question is about). A long run has thousands of terms (swarm_nemesis:
// a new election every few seconds for an hour); the follower-commit rule asks "the most any term <= T
// verified" at every commit, which walking the map made linear in the terms seen so far (the checker's
// cost per event grew with simulated time).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>

#include "base/assert.h"

namespace checkers {

class TermMaxima {
 public:
  // raise(t, x): value(t) = max(value(t), x).
  void raise(std::uint64_t term, std::uint64_t index) {
    // The newest term (nearly every raise: the current leader's AppendEntries) lives outside the map: O(1),
    // inline.
    if (has_newest_ && newest_term_ == term) {
      newest_.value = std::max(newest_.value, index);
      newest_.up_to = std::max(newest_.up_to, index);
      return;
    }
    raise_other(term, index);
  }
  // value(t); 0 if never raised.
  std::uint64_t at(std::uint64_t term) const {
    if (has_newest_ && newest_term_ == term) return newest_.value;
    const auto it = older_.find(term);
    return it == older_.end() ? 0 : it->second.value;
  }
  // The highest value(t) over t <= term; 0 if none.
  std::uint64_t max_up_to(std::uint64_t term) const {
    if (has_newest_ && newest_term_ <= term) return newest_.up_to;
    const auto after = older_.upper_bound(term);
    return after == older_.begin() ? 0 : std::prev(after)->second.up_to;
  }

 private:
  struct Slot {
    std::uint64_t value = 0;  // this term's
    std::uint64_t up_to = 0;  // the highest value of this term and every earlier one
  };

  // raise() at any term but the newest.
  [[gnu::noinline]] void raise_other(std::uint64_t term, std::uint64_t index) {
    RAFTSIM_ASSERT(!has_newest_ || newest_term_ != term);
    if (!has_newest_ || newest_term_ < term) {  // a new newest term: the previous one goes into the map
      const std::uint64_t up_to = has_newest_ ? newest_.up_to : 0;
      if (has_newest_) older_.emplace_hint(older_.end(), newest_term_, newest_);
      has_newest_ = true;
      newest_term_ = term;
      newest_ = Slot{index, std::max(up_to, index)};
      RAFTSIM_ASSERT(older_.empty() || older_.rbegin()->first < newest_term_);
      return;
    }
    RAFTSIM_ASSERT(term < newest_term_);
    auto [it, inserted] = older_.try_emplace(term, Slot{});
    Slot& slot = it->second;
    slot.value = std::max(slot.value, index);
    if (inserted) slot.up_to = it == older_.begin() ? 0 : std::prev(it)->second.up_to;
    // up_to is non-decreasing in the term: once a later term's is at least `index`, so are all after it.
    for (; it != older_.end() && it->second.up_to < index; ++it) it->second.up_to = index;
    newest_.up_to = std::max(newest_.up_to, index);
    RAFTSIM_ASSERT(slot.up_to >= slot.value && newest_.up_to >= slot.up_to);
  }

  std::map<std::uint64_t, Slot> older_;  // the terms before the newest
  bool has_newest_ = false;
  std::uint64_t newest_term_ = 0;
  Slot newest_;
};

}  // namespace checkers
