// The agenda: time order, a seed-dependent order among same-instant events, and a clock that never
// goes backwards.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "sim/event_queue.h"

TEST_CASE("event queue: events come out in time order and the clock jumps to each") {
  sim::Rng r(1, sim::Stream::tiebreak);
  sim::EventQueue<int> q(r, 100);
  q.push(sim::Time{30}, 3);
  q.push(sim::Time{10}, 1);
  q.push(sim::Time{20}, 2);
  REQUIRE(q.pop().payload == 1);
  REQUIRE(q.now() == sim::Time{10});
  REQUIRE(q.pop().payload == 2);
  REQUIRE(q.pop().payload == 3);
  REQUIRE(q.now() == sim::Time{30});
  REQUIRE(q.empty());
}

namespace {
std::vector<int> same_instant_order(std::uint64_t seed) {
  sim::Rng r(seed, sim::Stream::tiebreak);
  sim::EventQueue<int> q(r, 100);
  for (int i = 0; i < 6; ++i) q.push(sim::Time{100}, i);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  return order;
}
}  // namespace

TEST_CASE("event queue: same-instant events are ordered by the seed (timer races are explored)") {
  REQUIRE(same_instant_order(5) == same_instant_order(5));
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) orders.insert(same_instant_order(seed));
  // 30 seeds over 720 permutations: many distinct interleavings, not one fixed order.
  REQUIRE(orders.size() > 20);
}

TEST_CASE("event queue: an event cannot be scheduled before now") {
  sim::Rng r(1, sim::Stream::tiebreak);
  sim::EventQueue<int> q(r, 10);
  q.push(sim::Time{50}, 1);
  q.pop();
  q.push(sim::Time{50}, 2);  // same instant is fine
  REQUIRE(q.pop().payload == 2);
  REQUIRE(q.now() == sim::Time{50});
}

TEST_CASE("event queue: slots are reused as events come and go, and every payload comes out whole, in order") {
  // Pushes and pops interleaved (the slab's free list refills slots) with owning payloads: each pop must
  // return exactly the payload pushed with the earliest (time, tie-break, sequence), never a reused slot's
  // leftover.
  sim::Rng r(7, sim::Stream::tiebreak);
  sim::EventQueue<std::vector<int>> q(r, 1000);
  std::vector<int> popped;
  std::int64_t last_at = 0;
  int next = 0;
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < 3; ++k, ++next) {
      const std::int64_t at = q.now().us + (next * 37) % 11;
      q.push(sim::Time{at}, std::vector<int>{next, next, next});
    }
    for (int k = 0; k < 2; ++k) {
      auto e = q.pop();
      REQUIRE(e.payload.size() == 3);
      REQUIRE(e.payload[0] == e.payload[2]);
      REQUIRE(e.at.us >= last_at);
      last_at = e.at.us;
      popped.push_back(e.payload[0]);
    }
  }
  while (!q.empty()) popped.push_back(q.pop().payload.at(0));
  std::set<int> distinct(popped.begin(), popped.end());
  REQUIRE(popped.size() == static_cast<std::size_t>(next));
  REQUIRE(distinct.size() == popped.size());  // none lost, none twice
}
