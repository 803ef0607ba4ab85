// The simulator's agenda: events ordered by (time, a tie-break drawn from the seed, insertion sequence).
//
// The random tie-break is the point: when a heartbeat arrives at the very instant an election timer
// fires, the order of the two is decided by the seed, so different seeds explore both interleavings
// (the "same-instant timer races" raftsim exists to find). The sequence number makes the order total
// and therefore deterministic even if two tie-breaks collide.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
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

  // A slot index is 24 bits wide (see Key): the bound must fit.
  static constexpr unsigned kSlotBits = 24;
  static constexpr std::size_t kCapacityLimit = std::size_t{1} << kSlotBits;

  EventQueue(Rng& tiebreak_rng, std::size_t capacity_max) : rng_(tiebreak_rng), capacity_max_(capacity_max) {
    RAFTSIM_ASSERT(capacity_max_ > 0);
    RAFTSIM_ASSERT(capacity_max_ <= kCapacityLimit);
  }

  // Events may never be scheduled in the past: the clock only moves forward.
  template <typename T>
  void push(Time at, T&& payload) {
    push(at, std::forward<T>(payload), rng_);
  }

  // Draws the tie-break from `tiebreak_rng` instead: events of one purpose (the clients) take their
  // tie-breaks from that purpose's stream, so adding or removing them leaves every other tie-break as it was.
  // `payload` is anything a Payload is constructed from (an alternative of a variant payload is built in its
  // slot directly: one move, no temporary Payload).
  template <typename T>
  void push(Time at, T&& payload, Rng& tiebreak_rng) {
    RAFTSIM_ASSERT(at >= now_);
    RAFTSIM_ASSERT_MSG(size() < capacity_max_, "event queue bound exceeded");
    RAFTSIM_ASSERT(next_sequence_ < (std::uint64_t{1} << (64 - kSlotBits)));
    std::uint32_t slot;
    if (free_.empty()) {
      slot = allocated_++;
      if ((slot & kChunkMask) == 0) chunks_.push_back(std::make_unique<Payload[]>(kChunkSize));
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    Payload& p = at_slot(slot);
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, Payload> || !requires(Payload& q, T&& v) { q.template emplace<U>(std::forward<T>(v)); }) {
      p = std::forward<T>(payload);
    } else {
      p.template emplace<U>(std::forward<T>(payload));
    }
    const std::uint64_t tiebreak = tiebreak_rng.next_u64();
    const Key k{at, tiebreak, (next_sequence_++ << kSlotBits) | slot};
    if (at - now_ > kNearWindow) {
      sift_up(far_, k);
    } else {
      push_near(k);
    }
  }

  bool empty() const { return near_head_ == near_.size() && far_.empty(); }
  std::size_t size() const { return near_.size() - near_head_ + far_.size(); }
  Time now() const { return now_; }
  Time next_time() const {
    RAFTSIM_ASSERT(!empty());
    return near_is_earliest() ? near_[near_head_].at : far_.front().at;
  }

  // Removes the earliest event, advances the clock to its time and hands its payload to `handle` where it
  // lies (no move out of the slab). The slot is reused only after `handle` returns, and slots never move, so
  // `handle` may push more events while it works on the payload (and may move from it).
  template <typename Handle>
  void pop_into(Handle&& handle) {
    const std::uint32_t slot = pop_key();
    handle(at_slot(slot));
    free_.push_back(slot);
  }

  // Removes the earliest event and advances the clock to its time.
  Entry pop() {
    const Key k = empty() ? Key{} : near_is_earliest() ? near_[near_head_] : far_.front();
    const std::uint32_t slot = pop_key();
    Entry e{k.at, k.tiebreak, k.seqslot >> kSlotBits, std::move(at_slot(slot))};
    free_.push_back(slot);
    return e;
  }

 private:
  static constexpr std::uint32_t kChunkSize = 1024;  // payload slots per chunk: slots never move
  static constexpr std::uint32_t kChunkMask = kChunkSize - 1;
  static constexpr unsigned kChunkShift = 10;
  static_assert((std::uint32_t{1} << kChunkShift) == kChunkSize);
  static constexpr std::size_t kArity = 4;

  // The heaps order small keys only; payloads stay put in a slab of slots reused through a free list. The
  // order is the total order on (at, tiebreak, sequence): the sequence is unique, so any correct priority
  // queue pops the same order (the heaps' shape, binary or 4-ary, one heap or two, cannot change a trace).
  // The sequence shares a word with the slot (sequence in the high 40 bits): comparing the word compares
  // the sequence.
  //
  // Two parts: events due within kNearWindow of their push (messages, disk completions, client hops), a
  // short sorted run, and the rest (timers, client deadlines) in a heap. Most far events are timers
  // re-armed since and deadlines of operations long finished, which pile up by the hundred; the near run
  // stays a few entries long, so the events that make up most of a run cost an insertion near its end and
  // a pop from its front. A pop takes the earlier of the two minima: the same global minimum.
  struct Key {
    Time at;
    std::uint64_t tiebreak = 0;
    std::uint64_t seqslot = 0;
  };
  static bool earlier(const Key& a, const Key& b) {
    if (a.at.us != b.at.us) return a.at.us < b.at.us;
    if (a.tiebreak != b.tiebreak) return a.tiebreak < b.tiebreak;
    return a.seqslot < b.seqslot;
  }

  Payload& at_slot(std::uint32_t slot) {
    RAFTSIM_ASSERT(slot < allocated_);
    return chunks_[slot >> kChunkShift][slot & kChunkMask];
  }

  static constexpr Duration kNearWindow = Duration::millis(10);
  static constexpr std::size_t kNearMax = 32;

  // A 4-ary min-heap with a hole: half the levels of a binary heap, each key written once per level.
  static void sift_up(std::vector<Key>& heap, Key k) {
    std::size_t hole = heap.size();
    heap.emplace_back();
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / kArity;
      if (!earlier(k, heap[parent])) break;
      heap[hole] = heap[parent];
      hole = parent;
    }
    heap[hole] = k;
  }

  // Near events arrive in nearly increasing order (now + a short delay), so a sorted run takes them with a
  // compare or two and gives its earliest with none: cheaper than sifting a heap at both ends. The run is
  // bounded (kNearMax): when it is full, the latest of it and the new key goes to the far heap instead, so
  // a flood of messages costs heap pushes, never long shifts.
  void push_near(const Key& k) {
    if (near_head_ >= kNearMax) {  // the popped prefix is at least as long as what is left: move it down
      near_.erase(near_.begin(), near_.begin() + static_cast<std::ptrdiff_t>(near_head_));
      near_head_ = 0;
    }
    if (near_.size() - near_head_ >= kNearMax) {
      if (!earlier(k, near_.back())) {
        sift_up(far_, k);
        return;
      }
      sift_up(far_, near_.back());
      near_.pop_back();
    }
    std::size_t hole = near_.size();
    near_.emplace_back();
    while (hole > near_head_ && earlier(k, near_[hole - 1])) {
      near_[hole] = near_[hole - 1];
      --hole;
    }
    near_[hole] = k;
    RAFTSIM_ASSERT(near_.size() - near_head_ <= kNearMax);
  }

  bool near_is_earliest() const {
    if (near_head_ == near_.size()) return false;
    return far_.empty() || earlier(near_[near_head_], far_.front());
  }

  std::uint32_t pop_key() {
    RAFTSIM_ASSERT(!empty());
    Key top;
    if (near_is_earliest()) {
      top = near_[near_head_++];
      if (near_head_ == near_.size()) {
        near_.clear();
        near_head_ = 0;
      }
    } else {
      top = pop_far();
    }
    RAFTSIM_ASSERT(top.at >= now_);
    now_ = top.at;
    return static_cast<std::uint32_t>(top.seqslot & ((std::uint64_t{1} << kSlotBits) - 1));
  }

  Key pop_far() {
    std::vector<Key>& heap = far_;
    RAFTSIM_ASSERT(!heap.empty());
    const Key top = heap.front();
    const Key last = heap.back();
    heap.pop_back();
    const std::size_t n = heap.size();
    if (n > 0) {
      // Bottom-up (Floyd): the hole follows the smallest child to a leaf without comparing with `last` on
      // the way (the last leaf's key almost always belongs near the bottom), then `last` sifts up from there.
      std::size_t hole = 0;
      for (;;) {
        const std::size_t first = hole * kArity + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = first + kArity < n ? first + kArity : n;
        for (std::size_t c = first + 1; c < end; ++c) {
          if (earlier(heap[c], heap[best])) best = c;
        }
        heap[hole] = heap[best];
        hole = best;
      }
      while (hole > 0) {
        const std::size_t parent = (hole - 1) / kArity;
        if (!earlier(last, heap[parent])) break;
        heap[hole] = heap[parent];
        hole = parent;
      }
      heap[hole] = last;
    }
    return top;
  }

  Rng& rng_;
  std::size_t capacity_max_;
  std::vector<Key> near_;     // events due within kNearWindow of their push, sorted: near_[near_head_] first
  std::size_t near_head_ = 0;  // near_[0, near_head_) were popped
  std::vector<Key> far_;   // the others
  std::vector<std::unique_ptr<Payload[]>> chunks_;  // slot -> payload of a pending event (or a leftover)
  std::uint32_t allocated_ = 0;                     // slots handed out so far
  std::vector<std::uint32_t> free_;                 // slots whose event was popped
  std::uint64_t next_sequence_ = 0;
  Time now_{};
};

}  // namespace sim
