// Per term, the highest index an AppendEntries of that term verified (Figure 2 checker, receiver rules 5 and
// the reply claim), with the highest over all terms up to a given one in O(log terms). A long run has
// thousands of terms (swarm_nemesis: a new election every few seconds for an hour); the follower-commit rule
// asks "the most any term <= T verified" at every commit, which walking the map made linear in the terms
// seen so far (the checker's cost per event grew with simulated time).
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
    // The newest term (nearly every raise: the current leader's AppendEntries): no later slot to update.
    if (!by_term_.empty() && by_term_.rbegin()->first == term) {
      Slot& newest = by_term_.rbegin()->second;
      newest.value = std::max(newest.value, index);
      newest.up_to = std::max(newest.up_to, index);
      RAFTSIM_ASSERT(newest.up_to >= newest.value);
      return;
    }
    auto [it, inserted] = by_term_.try_emplace(term, Slot{});
    Slot& slot = it->second;
    slot.value = std::max(slot.value, index);
    if (inserted) slot.up_to = it == by_term_.begin() ? 0 : std::prev(it)->second.up_to;
    // up_to is non-decreasing in the term: once a later term's is at least `index`, so are all after it
    // (terms are mostly raised at the newest one, so this stops at once).
    for (; it != by_term_.end() && it->second.up_to < index; ++it) it->second.up_to = index;
    RAFTSIM_ASSERT(slot.up_to >= slot.value);
  }
  // value(t); 0 if never raised.
  std::uint64_t at(std::uint64_t term) const {
    if (!by_term_.empty() && by_term_.rbegin()->first == term) return by_term_.rbegin()->second.value;  // O(1)
    const auto it = by_term_.find(term);
    return it == by_term_.end() ? 0 : it->second.value;
  }
  // The highest value(t) over t <= term; 0 if none.
  std::uint64_t max_up_to(std::uint64_t term) const {
    if (!by_term_.empty() && by_term_.rbegin()->first <= term) return by_term_.rbegin()->second.up_to;  // O(1)
    const auto after = by_term_.upper_bound(term);
    return after == by_term_.begin() ? 0 : std::prev(after)->second.up_to;
  }

 private:
  struct Slot {
    std::uint64_t value = 0;  // this term's
    std::uint64_t up_to = 0;  // the highest value of this term and every earlier one
  };
  std::map<std::uint64_t, Slot> by_term_;
};

}  // namespace checkers
