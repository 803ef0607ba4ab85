// The simulator's agenda: events ordered by (time, a tie-break drawn from the seed, insertion sequence).
//
// The random tie-break is the point: when a heartbeat arrives at the very instant an election timer
// fires, the order of the two is decided by the seed, so different seeds explore both interleavings
// (the "same-instant timer races" raftsim exists to find). The sequence number makes the order total
// and therefore deterministic even if two tie-breaks collide.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace sim {

template <typename Payload>
class EventQueue {
 public:
  struct Entry {
    Time at;
    std::uint64_t tiebreak = 0;
    std::uint64_t sequence = 0;
    Payload payload;
  };

  EventQueue(Rng& tiebreak_rng, std::size_t capacity_max) : rng_(tiebreak_rng), capacity_max_(capacity_max) {
    RAFTSIM_ASSERT(capacity_max_ > 0);
  }

  // Events may never be scheduled in the past: the clock only moves forward.
  void push(Time at, Payload payload) { push(at, std::move(payload), rng_); }

  // Draws the tie-break from `tiebreak_rng` instead: events of one purpose (the clients) take their
  // tie-breaks from that purpose's stream, so adding or removing them leaves every other tie-break as it was.
  void push(Time at, Payload payload, Rng& tiebreak_rng) {
    RAFTSIM_ASSERT(at >= now_);
    RAFTSIM_ASSERT_MSG(heap_.size() < capacity_max_, "event queue bound exceeded");
    heap_.push_back(Entry{at, tiebreak_rng.next_u64(), next_sequence_++, std::move(payload)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Time now() const { return now_; }
  Time next_time() const {
    RAFTSIM_ASSERT(!heap_.empty());
    return heap_.front().at;
  }

  // Removes the earliest event and advances the clock to its time.
  Entry pop() {
    RAFTSIM_ASSERT(!heap_.empty());
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Entry e = std::move(heap_.back());
    heap_.pop_back();
    RAFTSIM_ASSERT(e.at >= now_);
    now_ = e.at;
    return e;
  }

 private:
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.at != b.at) return a.at > b.at;
      if (a.tiebreak != b.tiebreak) return a.tiebreak > b.tiebreak;
      return a.sequence > b.sequence;
    }
  };

  Rng& rng_;
  std::size_t capacity_max_;
  std::vector<Entry> heap_;
  std::uint64_t next_sequence_ = 0;
  Time now_{};
};

}  // namespace sim
