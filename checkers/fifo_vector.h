// A first-in first-out queue in one vector: elements are taken from the front by moving a head index, and the
// taken front is erased once it is at least half the vector (amortised O(1) per element). For the short
// queues the checkers keep per node (a node's disk writes in flight): a std::deque costs a block allocation
// up front and about twenty instructions per indexed access; this costs one add (issue 14 goal 1).
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

#include "base/assert.h"

namespace checkers {

template <typename T>
class FifoVector {
 public:
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  T& front() {
    RAFTSIM_ASSERT(!empty());
    return items_[head_];
  }
  T& back() {
    RAFTSIM_ASSERT(!empty());
    return items_.back();
  }
  T& operator[](std::size_t i) {
    RAFTSIM_ASSERT(i < size());
    return items_[head_ + i];
  }
  iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return items_.end(); }

  void push_back(const T& item) { items_.push_back(item); }
  [[gnu::always_inline]] void pop_front() {
    RAFTSIM_ASSERT(!empty());
    ++head_;
    if (head_ == items_.size()) {
      items_.clear();  // the usual case: the queue drains (the capacity stays)
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
      compact();
    }
  }
  // Removes every element for which pred is true, keeping the order of the others.
  template <typename Pred>
  void erase_if(Pred pred) {
    items_.erase(std::remove_if(begin(), end(), pred), items_.end());
    if (empty()) {
      items_.clear();
      head_ = 0;
    }
  }

 private:
  [[gnu::noinline]] void compact() {
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  std::vector<T> items_;  // the queue is items_[head_..]
  std::size_t head_ = 0;
};

}  // namespace checkers
