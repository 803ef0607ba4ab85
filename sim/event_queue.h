// The simulator's agenda: events ordered by (time, a tie-break drawn from the seed, insertion sequence).
//
// The random tie-break is the point: when a heartbeat arrives at the very instant an election timer
// fires, the order of the two is decided by the seed, so different seeds explore both interleavings
// (the "same-instant timer races" raftsim exists to find). The sequence number makes the order total
// and therefore deterministic even if two tie-breaks collide.
#pragma once

#include <algorithm>
#include <array>
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
    const Key k = make_key(at, std::forward<T>(payload), tiebreak_rng);
    ++pending_;
    if (at - now_ > kNearWindow) {
      sift_up(far_, k);
    } else {
      push_near(k);
    }
  }

  // Armed events (timers, client deadlines): at most one live event per index in [0, armed_indexes); arming an index again
  // supersedes its live event. The caller promises that a superseded event would do nothing when popped
  // (a re-armed timer's old event is dropped by its generation) until release_armed() names its index: such
  // events are shelved instead of sifted through a heap and popped for nothing (12,444 of 12,902 timers in
  // basic.json's 20 s), which kept the far heap hundreds deep. release_armed() (a crash: the old process's
  // timers become stale_discarded events when due) puts back every shelved event of its indexes not yet
  // due, at its place in the order. Same tie-break draw and sequence as push(): the order of everything
  // that is popped is unchanged.
  void set_armed_indexes(std::size_t count) {
    RAFTSIM_ASSERT(armed_live_ == 0 && shelf_.empty());
    armed_.assign(count, Armed{});
    armed_used_.clear();
  }

  template <typename T>
  void arm(std::size_t index, Time at, T&& payload) {
    arm(index, at, std::forward<T>(payload), rng_);
  }

  template <typename T>
  void arm(std::size_t index, Time at, T&& payload, Rng& tiebreak_rng) {
    RAFTSIM_ASSERT(index < armed_.size());
    const Key k = make_key(at, std::forward<T>(payload), tiebreak_rng);
    Armed& a = armed_[index];
    if (!a.ever) {
      a.ever = true;
      armed_used_.push_back(static_cast<std::uint32_t>(index));
    }
    if (a.live) {
      shelve(a.key, index);
    } else {
      a.live = true;
      ++armed_live_;
      ++pending_;
    }
    a.key = k;
    if (armed_min_ == kNone || earlier(k, armed_[armed_min_].key)) {
      armed_min_ = index;
    } else if (armed_min_ == index) {
      find_armed_min();  // the earliest moved later: another may be earlier now
    }
  }

  // The events armed at indexes [first, first + count), live and shelved, become ordinary events again
  // (shelved ones already due are dropped: they would have done nothing when popped).
  void release_armed(std::size_t first, std::size_t count) {
    RAFTSIM_ASSERT(first + count <= armed_.size());
    for (std::size_t i = first; i < first + count; ++i) {
      Armed& a = armed_[i];
      if (!a.live) continue;
      a.live = false;
      --armed_live_;
      sift_up(far_, a.key);
    }
    std::size_t kept = 0;
    for (const Shelved& e : shelf_) {
      if (e.index < first || e.index >= first + count) {
        shelf_[kept++] = e;
      } else if (earlier(last_, e.key)) {
        sift_up(far_, e.key);
        ++pending_;  // superseded, so not counted while shelved: pending again
      } else {
        free_.push_back(slot_of(e.key));
      }
    }
    shelf_.resize(kept);
    find_armed_min();
    check_pending();
  }

  bool empty() const { return pending_ == 0; }
  // Pending events: shelved (superseded) armed events do not count.
  std::size_t size() const { return pending_; }
  Time now() const { return now_; }
  Time next_time() const {
    RAFTSIM_ASSERT(!empty());
    return earliest_key().at;
  }

  // Removes the earliest event, advances the clock to its time and hands its payload to `handle` where it
  // lies (no move out of the slab). The slot is reused only after `handle` returns, and slots never move, so
  // `handle` may push more events while it works on the payload (and may move from it).
  template <typename Handle>
  void pop_into(Handle&& handle) {
    pop_part_into(earliest_part(), handle);
  }

  // pop_into if the earliest event is due by `end` (returns true), else nothing (false): a run loop's
  // next_time() and pop_into() in one, which finds the earliest of the three parts once per event, not twice.
  template <typename Handle>
  bool pop_into_until(Time end, Handle&& handle) {
    const Part part = earliest_part();
    if (key_in(part).at > end) return false;
    pop_part_into(part, handle);
    return true;
  }

  // Removes the earliest event and advances the clock to its time.
  Entry pop() {
    const Key k = empty() ? Key{} : earliest_key();
    const std::uint32_t slot = pop_key(earliest_part());
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
  static constexpr std::size_t kShelfPruneMin = 64;
  static constexpr std::size_t kNone = ~std::size_t{0};

  struct Armed {
    Key key;
    bool live = false;  // key is a pending event (else nothing is armed here)
    bool ever = false;  // listed in armed_used_
  };
  struct Shelved {
    Key key;
    std::uint32_t index;
  };

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

  template <typename T>
  Key make_key(Time at, T&& payload, Rng& tiebreak_rng) {
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
    return Key{at, tiebreak, (next_sequence_++ << kSlotBits) | slot};
  }

  static std::uint32_t slot_of(const Key& k) {
    return static_cast<std::uint32_t>(k.seqslot & ((std::uint64_t{1} << kSlotBits) - 1));
  }

  // A superseded armed event: kept (with its payload slot) only while a release could still need it. The
  // shelf is pruned of events already due when it doubles, so it holds about one election timeout's worth.
  void shelve(const Key& k, std::size_t index) {
    if (shelf_.size() >= shelf_prune_at_) {
      std::size_t kept = 0;
      for (const Shelved& e : shelf_) {
        if (earlier(last_, e.key)) {
          shelf_[kept++] = e;
        } else {
          free_.push_back(slot_of(e.key));
        }
      }
      shelf_.resize(kept);
      shelf_prune_at_ = kept * 2 > kShelfPruneMin ? kept * 2 : kShelfPruneMin;
    }
    shelf_.push_back(Shelved{k, static_cast<std::uint32_t>(index)});
  }

  void find_armed_min() {
    armed_min_ = kNone;
    for (const std::uint32_t i : armed_used_) {
      if (armed_[i].live && (armed_min_ == kNone || earlier(armed_[i].key, armed_[armed_min_].key))) armed_min_ = i;
    }
    RAFTSIM_ASSERT((armed_min_ == kNone) == (armed_live_ == 0));
  }

  enum class Part : std::uint8_t { near, far, armed };
  Part earliest_part() const {
    RAFTSIM_ASSERT(!empty());
    Part part = Part::far;
    const Key* best = far_.empty() ? nullptr : &far_.front();
    if (near_head_ != near_tail_ && (best == nullptr || earlier(near_[near_head_], *best))) {
      part = Part::near;
      best = &near_[near_head_];
    }
    if (armed_min_ != kNone && (best == nullptr || earlier(armed_[armed_min_].key, *best))) part = Part::armed;
    return part;
  }
  const Key& earliest_key() const { return key_in(earliest_part()); }
  // The earliest key of a part that is not empty.
  const Key& key_in(Part part) const {
    switch (part) {
      case Part::near: return near_[near_head_];
      case Part::armed: return armed_[armed_min_].key;
      case Part::far: break;
    }
    return far_.front();
  }

  // pending_ is what size() was computed from before it was counted (a push, an arm of an index with no live
  // event, a release putting back a shelved event add one, a pop takes one): checked in debug builds, and
  // after every release_armed (rare: a crash).
  void check_pending() const {
    RAFTSIM_ASSERT(pending_ == near_tail_ - near_head_ + far_.size() + armed_live_);
  }

  // Near events arrive in nearly increasing order (now + a short delay), so a sorted run takes them with a
  // compare or two and gives its earliest with none: cheaper than sifting a heap at both ends. The run is
  // bounded (kNearMax): when it is full, the latest of it and the new key goes to the far heap instead, so
  // a flood of messages costs heap pushes, never long shifts.
  void push_near(const Key& k) {
    if (near_head_ >= kNearMax) {  // the popped prefix is at least as long as what is left: move it down
      std::copy(near_.begin() + near_head_, near_.begin() + near_tail_, near_.begin());
      near_tail_ -= near_head_;
      near_head_ = 0;
    }
    if (near_tail_ - near_head_ >= kNearMax) {
      if (!earlier(k, near_[near_tail_ - 1])) {
        sift_up(far_, k);
        return;
      }
      sift_up(far_, near_[near_tail_ - 1]);
      --near_tail_;
    }
    // Here near_head_ < kNearMax and at most kNearMax - 1 keys follow it: the array has room.
    RAFTSIM_ASSERT(near_tail_ < near_.size());
    std::size_t hole = near_tail_++;
    while (hole > near_head_ && earlier(k, near_[hole - 1])) {
      near_[hole] = near_[hole - 1];
      --hole;
    }
    near_[hole] = k;
    RAFTSIM_ASSERT(near_tail_ - near_head_ <= kNearMax);
  }

  // pop_into's work once the earliest event's part is known.
  template <typename Handle>
  void pop_part_into(Part part, Handle& handle) {
    const std::uint32_t slot = pop_key(part);
    handle(at_slot(slot));
    free_.push_back(slot);
  }

  // Pops the earliest key, which is in `part` (earliest_part()).
  std::uint32_t pop_key(Part part) {
    RAFTSIM_ASSERT(pending_ > 0);
    Key top;
    switch (part) {
      case Part::near:
        top = near_[near_head_++];
        if (near_head_ == near_tail_) {
          near_tail_ = 0;
          near_head_ = 0;
        }
        break;
      case Part::far:
        top = pop_far();
        break;
      case Part::armed: {
        Armed& a = armed_[armed_min_];
        top = a.key;
        a.live = false;
        --armed_live_;
        find_armed_min();
        break;
      }
    }
    RAFTSIM_ASSERT(top.at >= now_);
    now_ = top.at;
    last_ = top;
    --pending_;
    if constexpr (RAFTSIM_DEBUG_INVARIANTS) check_pending();
    return slot_of(top);
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
  // Events due within kNearWindow of their push, sorted: near_[near_head_, near_tail_), earliest first. A
  // fixed array, not a vector: push_near keeps at most 2 * kNearMax - 1 keys in it (a popped prefix shorter
  // than kNearMax, at most kNearMax after it), and without the vector the size is a subtraction, not a
  // division by sizeof(Key), and an insertion writes no empty element first.
  std::array<Key, 2 * kNearMax> near_{};
  std::size_t near_head_ = 0;  // near_[0, near_head_) were popped
  std::size_t near_tail_ = 0;
  std::vector<Key> far_;   // the others
  std::vector<std::unique_ptr<Payload[]>> chunks_;  // slot -> payload of a pending event (or a leftover)
  std::uint32_t allocated_ = 0;                     // slots handed out so far
  std::vector<std::uint32_t> free_;                 // slots whose event was popped
  std::vector<Armed> armed_;               // by index: the live armed event, if any
  std::vector<std::uint32_t> armed_used_;  // indexes ever armed, the only ones find_armed_min() looks at
  std::size_t armed_live_ = 0;
  std::size_t pending_ = 0;  // size(): near, far and live armed events (counted: the run loop reads it per event)
  std::size_t armed_min_ = kNone;          // the live armed event with the least key (kNone: none)
  std::vector<Shelved> shelf_;             // superseded armed events that may not be due yet
  std::size_t shelf_prune_at_ = kShelfPruneMin;
  std::uint64_t next_sequence_ = 0;
  Key last_{};  // the key of the event popped last
  Time now_{};
};

}  // namespace sim
