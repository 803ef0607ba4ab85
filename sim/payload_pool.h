// Pooled payloads: a message or disk record (sim::Payload) made with one pointer bump or free-list pop
// instead of a malloc, and dropped with one free-list push instead of a free.
//
// Why: an adapter makes a payload for every message it sends and every record it writes, and the simulator
// drops each when it is delivered (or at the end of the run, for the disk's durable records). With
// std::make_shared that was a malloc and a free per payload, about 10% of a run's instructions with every
// other allocation (docs/performance.md, session 13). Determinism: addresses never reach the trace, so
// where a block lies cannot change a run.
//
// Blocks come from 64 KiB chunks of the calling thread's pool for their size; a dropped block goes on the
// dropping thread's free list. No chunk is freed before the program ends (a thread's pool is retired whole
// when it ends, and adopted by the next thread that needs one), so a pool holds as many blocks as were once
// live at the same time (a run's peak of messages in flight and records on its disks), reused run after
// run; the end of the program frees them all at once instead of one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace sim {

// Under AddressSanitizer payloads come from the ordinary heap instead: a pool would hide a use of a
// message or disk record after its last owner let go, which is what the sanitizer build (CI runs the unit
// tests and a scenario sweep in it) is there to catch.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kPayloadsPooled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kPayloadsPooled = false;
#else
inline constexpr bool kPayloadsPooled = true;
#endif
#else
inline constexpr bool kPayloadsPooled = true;
#endif

namespace payload_pool_detail {

template <std::size_t Size>
inline void* take();

// One thread's blocks of one size. Trivially destructible on purpose: it stays usable (as "closed") after
// the thread's Retire below has run, when a thread_local or static object that holds payloads is destroyed
// later in the thread's (or the program's) exit.
struct Pool {
  struct Free {
    Free* next;
  };
  struct Chunk {
    Chunk* next;
  };
  Free* free = nullptr;         // dropped blocks, reused first
  std::byte* bump = nullptr;    // the next never-used block of the newest chunk
  std::byte* bump_end = nullptr;
  Chunk* chunks = nullptr;      // every chunk of this pool, newest first
  bool retire_registered = false;
  bool closed = false;          // the thread is ending: blocks come from operator new and are never freed
};

inline constexpr std::size_t kChunkBytes = std::size_t{64} << 10;
inline constexpr std::size_t kChunkHeader = alignof(std::max_align_t);  // room for Chunk::next, alignment kept
static_assert(kChunkHeader >= sizeof(Pool::Chunk));

template <std::size_t Size>
Pool& pool() {
  static thread_local Pool p;
  return p;
}

// The pools of threads that ended, whole (chunks, free blocks, bump range): a block may outlive the thread
// that cut it (a payload made on one thread and dropped on another), so no chunk is freed before the
// program ends. The next thread that needs a chunk adopts a retired pool instead, so that memory stays
// bounded by the most blocks of a size ever live at once, however many threads come and go.
template <std::size_t Size>
struct Retired {
  std::mutex mutex;
  std::vector<Pool> pools;
  ~Retired() {
    for (Pool& p : pools) {
      while (p.chunks != nullptr) {
        Pool::Chunk* next = p.chunks->next;
        ::operator delete(static_cast<void*>(p.chunks));
        p.chunks = next;
      }
    }
  }
};

template <std::size_t Size>
Retired<Size>& retired() {
  static Retired<Size> r;  // constructed before any thread's Retire below: destroyed after them all
  return r;
}

// Hands a thread's pool over to the retired ones when the thread ends (registered with its first chunk).
template <std::size_t Size>
struct Retire {
  ~Retire() {
    Pool& p = pool<Size>();
    Retired<Size>& r = retired<Size>();
    {
      std::lock_guard<std::mutex> lock(r.mutex);
      r.pools.push_back(p);
    }
    p = Pool{};
    p.retire_registered = true;
    p.closed = true;
  }
};

// The first chunk or dropped block of a thread: its pool is retired, not lost, when the thread ends.
template <std::size_t Size>
void register_retire(Pool& p) {
  if (p.retire_registered) return;
  retired<Size>();  // constructed before the Retire: destroyed after it
  p.retire_registered = true;
  static thread_local Retire<Size> retire;  // constructed here, destroyed at the thread's end
  (void)retire;
}

template <std::size_t Size>
void* take_slow(Pool& p) {
  RAFTSIM_ASSERT(p.free == nullptr && p.bump == p.bump_end);
  if (p.closed) return ::operator new(Size);
  Retired<Size>& r = retired<Size>();
  register_retire<Size>(p);
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    if (!r.pools.empty()) {
      // Adopt a retired pool: its free blocks and bump range, and its chunks after ours.
      const Pool adopted = r.pools.back();
      r.pools.pop_back();
      p.free = adopted.free;
      p.bump = adopted.bump;
      p.bump_end = adopted.bump_end;
      if (adopted.chunks != nullptr) {
        Pool::Chunk* tail = adopted.chunks;
        while (tail->next != nullptr) tail = tail->next;
        tail->next = p.chunks;
        p.chunks = adopted.chunks;
      }
      if (p.free != nullptr || p.bump != p.bump_end) return take<Size>();
    }
  }
  static_assert(kChunkHeader + Size <= kChunkBytes, "payload block larger than a chunk");
  auto* chunk = static_cast<std::byte*>(::operator new(kChunkBytes));
  auto* header = reinterpret_cast<Pool::Chunk*>(chunk);
  header->next = p.chunks;
  p.chunks = header;
  p.bump = chunk + kChunkHeader;
  p.bump_end = chunk + kChunkBytes - (kChunkBytes - kChunkHeader) % Size;
  RAFTSIM_ASSERT(p.bump + Size <= p.bump_end);
  void* block = p.bump;
  p.bump += Size;
  return block;
}

template <std::size_t Size>
inline void* take() {
  Pool& p = pool<Size>();
  if (p.free != nullptr) {
    Pool::Free* block = p.free;
    p.free = block->next;
    return block;
  }
  if (p.bump != p.bump_end) {
    void* block = p.bump;
    p.bump += Size;
    return block;
  }
  return take_slow<Size>(p);
}

template <std::size_t Size>
inline void give(void* block) {
  RAFTSIM_ASSERT(block != nullptr);
  Pool& p = pool<Size>();
  if (p.closed) {
    // Past the thread's end (a payload held by a thread_local or static object destroyed after the pool
    // retired): the block is left alone. Its chunk belongs to the retired pools; one made after the close
    // came from operator new and leaks. Neither happens in raftsim.
    return;
  }
  if (!p.retire_registered) register_retire<Size>(p);  // a thread that drops blocks it did not make
  auto* f = static_cast<Pool::Free*>(block);
  f->next = p.free;
  p.free = f;
}

// A block size that keeps every block aligned for any payload (a multiple of the fundamental alignment).
constexpr std::size_t block_size(std::size_t bytes) {
  const std::size_t a = alignof(std::max_align_t);
  return (bytes + a - 1) / a * a;
}

}  // namespace payload_pool_detail

// An allocator for std::allocate_shared: single objects from the pool of their (rounded) size, arrays from
// operator new.
template <typename T>
struct PoolAllocator {
  using value_type = T;
  static constexpr std::size_t kBlock = payload_pool_detail::block_size(sizeof(T));
  static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned payloads are not pooled");

  PoolAllocator() noexcept = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit by design

  T* allocate(std::size_t n) {
    if (n != 1) return std::allocator<T>{}.allocate(n);
    return static_cast<T*>(payload_pool_detail::take<kBlock>());
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1) {
      std::allocator<T>{}.deallocate(p, n);
      return;
    }
    payload_pool_detail::give<kBlock>(p);
  }
  template <typename U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

// make_shared for payloads: the object and its reference count in one pooled block.
template <typename T, typename... Args>
std::shared_ptr<T> make_payload(Args&&... args) {
  if constexpr (!kPayloadsPooled) return std::make_shared<T>(std::forward<Args>(args)...);
  return std::allocate_shared<T>(PoolAllocator<T>{}, std::forward<Args>(args)...);
}

}  // namespace sim
