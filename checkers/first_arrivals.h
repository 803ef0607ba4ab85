// Where in the stream each recent request first arrived (request id -> position), for the leadership
// checker's ReadIndex rule: a bounded window that forgets the lowest ids first. The same answers as a
// std::map with emplace and erase(begin()), without a node allocation per request (ids mostly arrive in
// increasing order, so an insertion is an append at the back and forgetting a pop at the front).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "base/assert.h"

namespace checkers {

class FirstArrivals {
 public:
  explicit FirstArrivals(std::size_t window) : window_(window) { RAFTSIM_ASSERT(window >= 1); }

  // The first arrival of `id` (a later one of the same id changes nothing); then the lowest id beyond the
  // window is forgotten (perhaps `id` itself).
  void note(std::uint64_t id, std::uint64_t position) {
    if (arrivals_.empty() || arrivals_.back().id < id) {
      arrivals_.push_back(Arrival{id, position});
    } else {
      const auto at = lower_bound(id);
      if (at != arrivals_.end() && at->id == id) return;
      arrivals_.insert(at, Arrival{id, position});
    }
    if (arrivals_.size() > window_) arrivals_.pop_front();
    RAFTSIM_ASSERT(arrivals_.size() <= window_);
  }
  // The position of id's first arrival, or nullptr if it is not in the window.
  const std::uint64_t* find(std::uint64_t id) const {
    const auto at = lower_bound(id);
    return at != arrivals_.end() && at->id == id ? &at->position : nullptr;
  }
  void clear() { arrivals_.clear(); }
  std::size_t size() const { return arrivals_.size(); }

 private:
  struct Arrival {
    std::uint64_t id;
    std::uint64_t position;
  };
  std::deque<Arrival>::const_iterator lower_bound(std::uint64_t id) const {
    return std::lower_bound(arrivals_.begin(), arrivals_.end(), id,
                            [](const Arrival& a, std::uint64_t x) { return a.id < x; });
  }
  std::deque<Arrival>::iterator lower_bound(std::uint64_t id) {
    return std::lower_bound(arrivals_.begin(), arrivals_.end(), id,
                            [](const Arrival& a, std::uint64_t x) { return a.id < x; });
  }

  std::size_t window_;
  std::deque<Arrival> arrivals_;  // ids strictly increasing
};

}  // namespace checkers
