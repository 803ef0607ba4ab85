// A first-in first-out queue in one ring of slots (a power of two of them), for the leader's appends in
// flight per follower and a node's writes in flight (raft.cpp, Progress::inflight, State::inflight).
//
// Why not std::deque: its size() is an iterator difference over its blocks (about 15 instructions, and
// flow control asks it before every AppendEntries), and its push_back and pop_front walk block pointers;
// together about 10 instructions per trace event of basic.json (callgrind, issue 14). Here size() is a
// load, push_back a masked store, pop_front an increment. The ring grows (doubling, out of line) only when
// full, which its users' bounds make rare (Config::max_inflight_appends, kMaxInflightPersists).
//
// A popped value stays in its slot until the slot is reused: push_back overwrites it, and push_back_slot
// hands it over as it is (a write's buffer of held messages keeps its capacity from one write to the next:
// no allocation and free per write), for the caller to set every field.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace raft {

template <typename T>
class RingQueue {
  static_assert(std::is_default_constructible_v<T> && std::is_move_assignable_v<T>,
                "slots are made empty, moved when the ring grows, and overwritten when reused");

 public:
  // A bound far above its users' own (Config::max_inflight_appends, kMaxInflightPersists), which they
  // check only at the end of an input: reaching it means a runaway loop.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 20;

  template <bool Const>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T*, T*>;
    using reference = std::conditional_t<Const, const T&, T&>;
    using Queue = std::conditional_t<Const, const RingQueue, RingQueue>;

    Iterator() = default;
    Iterator(Queue* queue, std::size_t offset) : queue_(queue), offset_(offset) {}
    reference operator*() const { return (*queue_)[offset_]; }
    pointer operator->() const { return &(*queue_)[offset_]; }
    Iterator& operator++() {
      ++offset_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++offset_;
      return before;
    }
    bool operator==(const Iterator& other) const { return queue_ == other.queue_ && offset_ == other.offset_; }

   private:
    Queue* queue_ = nullptr;
    std::size_t offset_ = 0;  // from the front
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The i-th value from the front.
  T& operator[](std::size_t i) {
    RAFTSIM_ASSERT(i < size_);
    return slots_[(head_ + i) & mask_];
  }
  const T& operator[](std::size_t i) const {
    RAFTSIM_ASSERT(i < size_);
    return slots_[(head_ + i) & mask_];
  }
  T& front() {
    RAFTSIM_ASSERT(size_ > 0);
    return slots_[head_];
  }
  const T& front() const {
    RAFTSIM_ASSERT(size_ > 0);
    return slots_[head_];
  }

  // By value: an argument that is one of the ring's own values is copied before a growth moves it.
  void push_back(T value) { push_back_slot() = std::move(value); }
  // The next slot, now the back, as the last value popped from it left it (or default-constructed): the
  // caller sets every field.
  T& push_back_slot() {
    if (size_ >= slots_.size()) [[unlikely]] grow();
    RAFTSIM_ASSERT(size_ < slots_.size());
    T& slot = slots_[(head_ + size_) & mask_];
    ++size_;
    return slot;
  }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }
  void pop_front() {
    RAFTSIM_ASSERT(size_ > 0);
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  // Keeps the slots.
  void clear() {
    head_ = 0;
    size_ = 0;
  }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  // Full: twice the slots (four at first), the values moved to the front of the new ring in order.
  [[gnu::noinline, gnu::cold]] void grow() {
    RAFTSIM_ASSERT(size_ == slots_.size());
    RAFTSIM_ASSERT_MSG(slots_.size() < kMaxCapacity, "a ring queue reached its bound: a runaway loop");
    const std::size_t count = slots_.empty() ? 4 : 2 * slots_.size();
    RAFTSIM_ASSERT((count & (count - 1)) == 0);  // a power of two: the index is masked
    std::vector<T> fresh(count);
    for (std::size_t i = 0; i < size_; ++i) fresh[i] = std::move((*this)[i]);
    slots_.swap(fresh);
    mask_ = count - 1;
    head_ = 0;
    RAFTSIM_ASSERT(size_ < slots_.size());
  }

  std::vector<T> slots_;  // empty or a power of two of them
  std::size_t mask_ = 0;  // slots_.size() - 1 once there are slots: a slot's index is masked with it
  std::size_t head_ = 0;  // slot of the front value (always < slots_.size() once there are slots)
  std::size_t size_ = 0;
};

}  // namespace raft
