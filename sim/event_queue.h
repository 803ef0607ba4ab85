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
    std::uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(payloads_.size());
      payloads_.push_back(std::move(payload));
    } else {
      slot = free_.back();
      free_.pop_back();
      payloads_[slot] = std::move(payload);
    }
    heap_.push_back(Key{at, tiebreak_rng.next_u64(), next_sequence_++, slot});
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
    const Key k = heap_.back();
    heap_.pop_back();
    RAFTSIM_ASSERT(k.at >= now_);
    RAFTSIM_ASSERT(k.slot < payloads_.size());
    now_ = k.at;
    free_.push_back(k.slot);
    return Entry{k.at, k.tiebreak, k.sequence, std::move(payloads_[k.slot])};
  }

 private:
  // The heap orders small keys only; payloads (up to a few hundred bytes) stay put in a slab of slots
  // reused through a free list, so a sift moves 32 bytes instead of a whole event. The order is the same
  // total order on (at, tiebreak, sequence) as before, so traces are unchanged.
  struct Key {
    Time at;
    std::uint64_t tiebreak;
    std::uint64_t sequence;
    std::uint32_t slot;
  };
  struct Later {
    bool operator()(const Key& a, const Key& b) const {
      if (a.at != b.at) return a.at > b.at;
      if (a.tiebreak != b.tiebreak) return a.tiebreak > b.tiebreak;
      return a.sequence > b.sequence;
    }
  };

  Rng& rng_;
  std::size_t capacity_max_;
  std::vector<Key> heap_;
  std::vector<Payload> payloads_;     // slot -> payload of a pending event (or a moved-from leftover)
  std::vector<std::uint32_t> free_;   // slots whose event was popped
  std::uint64_t next_sequence_ = 0;
  Time now_{};
};

}  // namespace sim
