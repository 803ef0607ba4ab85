// The client operations in flight, op id -> invoke time, for the metrics recorder's latencies: an open-
// addressing table (linear probing, backward-shift erase) in one vector. Lookups only, never iterated, so its
// order cannot reach any output. It holds one slot per open operation (about one per client), at most half
// full: a std::unordered_map allocated and freed a node per operation, about 300 instructions an operation
// with its find and erase; this is a multiply and a compare or two (issue 14 goal 1).
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/assert.h"

namespace checkers {

class OpenOps {
 public:
  // Opens `id` at `time_us`; an id already open gets the new time (as map[id] = time did).
  void open(std::uint64_t id, std::int64_t time_us) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = home(id);
    while (slots_[i].used) {
      if (slots_[i].id == id) {
        slots_[i].time_us = time_us;
        return;
      }
      i = (i + 1) & mask_;
    }
    slots_[i] = Slot{id, time_us, true};
    ++size_;
    RAFTSIM_ASSERT(size_ * 2 <= slots_.size());
  }

  // Closes `id` and returns its invoke time; nullopt (and nothing changes) if it is not open.
  std::optional<std::int64_t> close(std::uint64_t id) {
    if (size_ == 0) return std::nullopt;
    std::size_t i = home(id);
    while (slots_[i].used && slots_[i].id != id) i = (i + 1) & mask_;
    if (!slots_[i].used) return std::nullopt;
    const std::int64_t time_us = slots_[i].time_us;
    erase_at(i);
    RAFTSIM_ASSERT(size_ < slots_.size());
    return time_us;
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t id = 0;
    std::int64_t time_us = 0;
    bool used = false;
  };

  std::size_t home(std::uint64_t id) const {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }

  // Backward shift: every later slot of the probe run whose home is not in (i, j] moves into the hole.
  void erase_at(std::size_t i) {
    RAFTSIM_ASSERT(slots_[i].used && size_ > 0);
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (!slots_[j].used) break;
      const std::size_t k = home(slots_[j].id);
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i].used = false;
    --size_;
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
    RAFTSIM_ASSERT(std::has_single_bit(capacity));
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used) open(s.id, s.time_us);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 63;
  std::size_t size_ = 0;
};

}  // namespace checkers
