// One part of the Raft's output (messages, writes, timers, replies, observations): a growable array whose
// append is a compare, a construction in place and a store, with the growth out of line (issue 14).
//
// Why not std::vector: GCC inlines a vector's reallocation into emplace_back, which then is too big to
// inline, so every push into the output was a call into a function that saved six registers for a path
// the steady state never takes (callgrind, basic.json: arm_election_timer about 47 instructions a call,
// stage<AppendEntriesReply> about 65, observe about 17). Testing for room before emplace_back does not
// help: emplace_back is not inlined before the test could prove its reallocation dead. Here the growth is
// a separate cold function, and the host keeps one Output across inputs (clear keeps the capacity), so in
// the steady state no append grows.
//
// Read like a std::vector (size, empty, operator[], front, back, begin/end as pointers, so that std::span
// and iterator-pair constructors take it); built by push_back and emplace_back; swapped by swap(), as the
// Raft hands whole message buffers between its output and the writes they wait for (std::swap would move
// through a temporary and destroy it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "base/assert.h"

namespace raft {

template <typename T>
class OutputBuffer {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;

  // A bound on any one buffer, far above what one input produces (a node releases at most the messages
  // held behind its writes at once): reaching it means a runaway loop, not a big output.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 24;

  OutputBuffer() = default;
  OutputBuffer(const OutputBuffer& other) {
    reserve(other.size());
    for (const T& e : other) emplace_back(e);
  }
  OutputBuffer(OutputBuffer&& other) noexcept
      : begin_(std::exchange(other.begin_, nullptr)),
        end_(std::exchange(other.end_, nullptr)),
        capacity_end_(std::exchange(other.capacity_end_, nullptr)) {}
  OutputBuffer& operator=(const OutputBuffer& other) {
    if (this != &other) {
      OutputBuffer copy(other);
      swap(copy);
    }
    return *this;
  }
  // Takes the other's elements and storage; this one's go with it (the other is left empty).
  OutputBuffer& operator=(OutputBuffer&& other) noexcept {
    if (this != &other) {
      release();
      begin_ = std::exchange(other.begin_, nullptr);
      end_ = std::exchange(other.end_, nullptr);
      capacity_end_ = std::exchange(other.capacity_end_, nullptr);
    }
    return *this;
  }
  ~OutputBuffer() { release(); }

  // What the Raft hands buffers over with (three pointers each way: no element moved, nothing freed).
  void swap(OutputBuffer& other) noexcept {
    std::swap(begin_, other.begin_);
    std::swap(end_, other.end_);
    std::swap(capacity_end_, other.capacity_end_);
  }
  friend void swap(OutputBuffer& a, OutputBuffer& b) noexcept { a.swap(b); }

  // The append: inline, with the growth (rare once the buffer is reused) in a cold call. `>=`, not `==`:
  // then the compiler knows there is room after the test, and the assertion below costs nothing.
  template <typename... Args>
  [[gnu::always_inline]] T& emplace_back(Args&&... args) {
    if (end_ >= capacity_end_) [[unlikely]] return emplace_back_growing(std::forward<Args>(args)...);
    RAFTSIM_ASSERT(end_ < capacity_end_);
    T* slot = end_;
    construct(slot, std::forward<Args>(args)...);
    end_ = slot + 1;
    return *slot;
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }

  // Destroys the elements and keeps the capacity (the point of keeping one Output across inputs).
  void clear() {
    std::destroy(begin_, end_);
    end_ = begin_;
  }
  void reserve(std::size_t capacity) {
    RAFTSIM_ASSERT(capacity <= kMaxCapacity);
    if (capacity > this->capacity()) reallocate(capacity);
    RAFTSIM_ASSERT(this->capacity() >= capacity);
  }

  std::size_t size() const { return static_cast<std::size_t>(end_ - begin_); }
  std::size_t capacity() const { return static_cast<std::size_t>(capacity_end_ - begin_); }
  bool empty() const { return end_ == begin_; }
  T* data() { return begin_; }
  const T* data() const { return begin_; }
  T* begin() { return begin_; }
  T* end() { return end_; }
  const T* begin() const { return begin_; }
  const T* end() const { return end_; }
  T& operator[](std::size_t i) {
    RAFTSIM_ASSERT(i < size());
    return begin_[i];
  }
  const T& operator[](std::size_t i) const {
    RAFTSIM_ASSERT(i < size());
    return begin_[i];
  }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() {
    RAFTSIM_ASSERT(!empty());
    return end_[-1];
  }
  const T& back() const {
    RAFTSIM_ASSERT(!empty());
    return end_[-1];
  }

 private:
  // Braces where parentheses cannot build T (an aggregate under clang 14, which lacks C++20's
  // parenthesized aggregate initialization).
  template <typename... Args>
  [[gnu::always_inline]] static void construct(T* slot, Args&&... args) {
    if constexpr (std::is_constructible_v<T, Args&&...>) {
      ::new (static_cast<void*>(slot)) T(std::forward<Args>(args)...);
    } else {
      ::new (static_cast<void*>(slot)) T{std::forward<Args>(args)...};
    }
  }

  // Full: double (from a few: an input's output holds a few messages, a timer, a few observations, and
  // never past kMaxCapacity). The new element is built in the new storage before the old elements move,
  // as std::vector does: an argument may be one of them (push_back(buffer[0])).
  template <typename... Args>
  [[gnu::noinline, gnu::cold]] T& emplace_back_growing(Args&&... args) {
    RAFTSIM_ASSERT(end_ == capacity_end_);
    const std::size_t size = this->size();
    RAFTSIM_ASSERT_MSG(size < kMaxCapacity, "an output buffer reached its bound: a runaway loop");
    constexpr std::size_t kFirst = 4;
    const std::size_t capacity = capacity_end_ == begin_ ? kFirst : std::min(2 * size, kMaxCapacity);
    T* fresh = std::allocator<T>().allocate(capacity);
    construct(fresh + size, std::forward<Args>(args)...);
    std::uninitialized_move(begin_, end_, fresh);
    release();
    begin_ = fresh;
    end_ = fresh + size + 1;
    capacity_end_ = fresh + capacity;
    RAFTSIM_ASSERT(end_ <= capacity_end_);
    return fresh[size];
  }

  void reallocate(std::size_t capacity) {
    const std::size_t size = this->size();
    RAFTSIM_ASSERT(capacity > this->capacity() && capacity >= size);
    T* fresh = std::allocator<T>().allocate(capacity);
    std::uninitialized_move(begin_, end_, fresh);
    release();
    begin_ = fresh;
    end_ = fresh + size;
    capacity_end_ = fresh + capacity;
  }

  // Destroys the elements and frees the storage.
  void release() {
    if (begin_ == nullptr) return;
    std::destroy(begin_, end_);
    std::allocator<T>().deallocate(begin_, capacity());
  }

  // Pointers, as std::vector keeps them: a store of an integer (a message's fields) cannot alias them, so
  // a loop that appends elsewhere does not reload them.
  T* begin_ = nullptr;
  T* end_ = nullptr;
  T* capacity_end_ = nullptr;
};

}  // namespace raft
