// Model tests for the reference Raft's two hand-made containers (issue 14): raft::OutputBuffer against
// std::vector and raft::RingQueue against std::deque, on generated operation sequences. Each step applies
// the same operation to both and compares every element, so a wrong index mask, a lost element at growth
// or a swap that leaves pointers behind fails at the step that caused it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "raft/output_buffer.h"
#include "raft/ring_queue.h"
#include "tests/support/test_draw.h"

namespace {

// Strings long enough to live on the heap: a double free or a use after move shows up under ASan, and a
// moved-from value compares unequal.
std::string value_of(std::uint64_t n) { return "value-" + std::to_string(n) + std::string(24, 'x'); }

template <typename A, typename B>
void require_same(const A& actual, const B& model) {
  REQUIRE(actual.size() == model.size());
  REQUIRE(actual.empty() == model.empty());
  std::size_t i = 0;
  for (const auto& v : actual) {
    REQUIRE(v == model[i]);
    REQUIRE(actual[i] == model[i]);
    ++i;
  }
  REQUIRE(i == model.size());
  if (!model.empty()) {
    REQUIRE(actual.front() == model.front());
    REQUIRE(actual.back() == model.back());
  }
}

}  // namespace

TEST_CASE("OutputBuffer behaves as std::vector under generated appends, clears, swaps and copies") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    test_support::Draw draw(seed);
    raft::OutputBuffer<std::string> a, b;
    std::vector<std::string> model_a, model_b;
    std::uint64_t counter = 0;
    for (int step = 0; step < 2000; ++step) {
      const std::uint64_t op = draw.below(100);
      if (op < 55) {
        const std::string v = value_of(counter++);
        if (draw.chance(500)) a.push_back(v); else a.emplace_back(v);
        model_a.push_back(v);
      } else if (op < 62) {
        const std::size_t capacity_before = a.capacity();
        a.clear();
        model_a.clear();
        REQUIRE(a.capacity() == capacity_before);  // the point of keeping one Output across inputs
      } else if (op < 72) {
        a.swap(b);
        model_a.swap(model_b);
      } else if (op < 77) {
        using std::swap;
        swap(a, b);
        model_a.swap(model_b);
      } else if (op < 82) {
        raft::OutputBuffer<std::string> copy(a);
        require_same(copy, model_a);
        b = copy;
        model_b = model_a;
      } else if (op < 86) {
        b = std::move(a);
        model_b = std::move(model_a);
        model_a.clear();
        REQUIRE(a.empty());
      } else if (op < 90) {
        const std::size_t want = a.size() + draw.below(64);
        a.reserve(want);
        REQUIRE(a.capacity() >= want);
      } else if (!model_a.empty()) {
        const std::size_t i = draw.below(model_a.size());
        a[i] = value_of(counter);
        model_a[i] = value_of(counter++);
      }
      require_same(a, model_a);
      require_same(b, model_b);
      REQUIRE(a.capacity() >= a.size());
    }
  }
}

TEST_CASE("RingQueue behaves as std::deque under generated pushes and pops across its growth") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    test_support::Draw draw(seed);
    raft::RingQueue<std::string> queue;
    std::deque<std::string> model;
    std::uint64_t counter = 0;
    // Phases that lean towards pushing or popping, so the ring wraps at many sizes and grows mid-wrap.
    for (int phase = 0; phase < 12; ++phase) {
      const std::uint64_t push_per_mille = phase % 2 == 0 ? 700 : 350;
      for (int step = 0; step < 300; ++step) {
        const std::uint64_t op = draw.below(1000);
        if (op < push_per_mille) {
          const std::string v = value_of(counter++);
          if (draw.chance(500)) {
            queue.push_back(v);
          } else {
            queue.push_back_slot() = v;  // a reused slot: the caller sets every field
          }
          model.push_back(v);
        } else if (op < 990) {
          if (model.empty()) continue;
          REQUIRE(queue.front() == model.front());
          queue.pop_front();
          model.pop_front();
        } else {
          queue.clear();
          model.clear();
        }
        require_same(queue, model);
      }
    }
  }
}

TEST_CASE("RingQueue's push_back_slot hands back the slot as the value popped from it left it") {
  raft::RingQueue<std::vector<int>> queue;
  for (int i = 0; i < 4; ++i) queue.push_back_slot().assign(100, i);  // fills the first ring of 4
  for (int i = 0; i < 4; ++i) queue.pop_front();
  REQUIRE(queue.empty());
  // The first slot again: its buffer keeps the capacity of the value popped from it (a write's held
  // messages, reused without an allocation).
  std::vector<int>& reused = queue.push_back_slot();
  CHECK(reused.capacity() >= 100);
  CHECK(queue.size() == 1);
}

TEST_CASE("OutputBuffer and RingQueue take one of their own values while they grow") {
  // std::vector allows push_back(v[0]) at full capacity; the growth must not free the argument first.
  raft::OutputBuffer<std::string> buffer;
  for (std::uint64_t i = 0; i < 4; ++i) buffer.push_back(value_of(i));
  REQUIRE(buffer.size() == buffer.capacity());  // full: the next append grows
  buffer.push_back(buffer[0]);
  buffer.emplace_back(buffer[1]);
  CHECK(buffer[4] == value_of(0));
  CHECK(buffer[5] == value_of(1));

  raft::RingQueue<std::string> queue;
  for (std::uint64_t i = 0; i < 4; ++i) queue.push_back(value_of(i));
  queue.pop_front();
  queue.push_back(value_of(4));  // wrapped and full
  queue.push_back(queue.front());
  REQUIRE(queue.size() == 5);
  CHECK(queue[4] == value_of(1));
  CHECK(queue[0] == value_of(1));
}
