// The agenda: time order, a seed-dependent order among same-instant events, and a clock that never
// goes backwards.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
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

TEST_CASE("event queue: near and far events interleave in exactly the order of (time, tie-break, sequence)") {
  // The queue keeps events due soon and events due later in two heaps; the pop order must still be the
  // one total order. A twin of the tie-break stream gives the expected order: the reference is a plain
  // sort of what was pushed. Pushes happen inside pop_into's handler too (as the simulation does), with
  // delays on both sides of the near window and many same-instant events.
  sim::Rng r(11, sim::Stream::tiebreak);
  sim::Rng twin(11, sim::Stream::tiebreak);
  sim::Rng delays(3, sim::Stream::network);
  sim::EventQueue<int> q(r, 100'000);
  struct Pushed {
    std::int64_t at;
    std::uint64_t tiebreak;
    int id;
  };
  std::vector<Pushed> pending;
  std::vector<int> expected;
  std::vector<int> got;
  int next = 0;
  auto push_some = [&](std::int64_t now_us, int count) {
    for (int k = 0; k < count; ++k, ++next) {
      // 0..2 ms (near), 9..11 ms (around the window) or 100..300 ms (far), on a coarse grid: ties happen.
      const std::uint64_t kind = delays.below(3);
      const std::int64_t d = kind == 0 ? delays.between(0, 2'000) : kind == 1 ? delays.between(9'000, 11'000)
                                                                            : delays.between(100'000, 300'000);
      const std::int64_t at = now_us + d / 500 * 500;
      q.push(sim::Time{at}, next);
      pending.push_back(Pushed{at, twin.next_u64(), next});
    }
  };
  auto expect_next = [&] {
    // The earliest pending (time, tie-break, then push order = id order).
    auto best = pending.begin();
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      if (std::tie(it->at, it->tiebreak, it->id) < std::tie(best->at, best->tiebreak, best->id)) best = it;
    }
    expected.push_back(best->id);
    pending.erase(best);
  };
  push_some(0, 50);
  while (!q.empty()) {
    expect_next();
    q.pop_into([&](int& id) {
      got.push_back(id);
      if (next < 3'000) push_some(q.now().us, static_cast<int>(delays.below(3)));
    });
  }
  REQUIRE(pending.empty());
  REQUIRE(got.size() == static_cast<std::size_t>(next));
  REQUIRE(got == expected);
  REQUIRE(next > 1'000);
}

TEST_CASE("event queue: a flood of near events (more than the sorted run holds) still comes out in key order") {
  // Near events beyond the sorted run's bound spill into the far heap: each pop must still be the least
  // (time, tie-break, sequence) of everything pending, checked against a reference set. The reference
  // knows each tie-break by drawing from a copy of the queue's stream (one u64 per push).
  sim::Rng r(11, sim::Stream::tiebreak);
  sim::Rng mirror(11, sim::Stream::tiebreak);
  sim::EventQueue<int> q(r, 100'000);
  using Key = std::tuple<std::int64_t, std::uint64_t, std::uint64_t>;
  std::set<Key> pending;
  sim::Rng draws(12, sim::Stream::network);
  std::uint64_t next = 0;
  std::size_t largest = 0;
  std::size_t pops = 0;
  const auto pop_one = [&] {
    auto e = q.pop();
    REQUIRE(!pending.empty());
    REQUIRE(std::make_tuple(e.at.us, e.tiebreak, e.sequence) == *pending.begin());
    REQUIRE(static_cast<std::uint64_t>(e.payload) == e.sequence);
    pending.erase(pending.begin());
    ++pops;
  };
  for (int round = 0; round < 400; ++round) {
    const int burst = round % 50 < 10 ? 40 : 2;  // now and then far more than the run holds
    for (int k = 0; k < burst; ++k, ++next) {
      // Mostly near (within 10 ms), some far, some at the very instant (ties go by tie-break).
      const std::int64_t delay = k % 7 == 0 ? 0 : k % 11 == 0 ? 50'000 : draws.between(100, 9'000);
      const std::int64_t at = q.now().us + delay;
      q.push(sim::Time{at}, static_cast<int>(next));
      pending.insert(Key{at, mirror.next_u64(), next});
    }
    largest = std::max(largest, q.size());
    for (int k = 0; k < 3 && !q.empty(); ++k) pop_one();
  }
  while (!q.empty()) pop_one();
  REQUIRE(pending.empty());
  REQUIRE(pops == next);
  REQUIRE(largest > 64);
}

TEST_CASE("event queue: an armed event superseded by a later arming never comes out, unless released while pending") {
  // A model of what must come out: every pushed event, the live armed event of each index, and (after a
  // release of its index) a superseded armed event not yet due at the release. Keys are known through a
  // copy of the tie-break stream, so each pop is checked against the model's least key.
  sim::Rng r(21, sim::Stream::tiebreak);
  sim::Rng mirror(21, sim::Stream::tiebreak);
  sim::Rng draws(22, sim::Stream::network);
  constexpr std::size_t kIndexes = 6;
  sim::EventQueue<int> q(r, 100'000);
  q.set_armed_indexes(kIndexes);
  using Key = std::tuple<std::int64_t, std::uint64_t, std::uint64_t>;
  enum class State { normal, live, shelved };
  struct Model {
    State state;
    std::size_t index;
  };
  std::map<Key, Model> model;
  Key last{-1, 0, 0};
  std::uint64_t next = 0;
  std::size_t superseded = 0, released = 0, pops = 0;
  const auto pop_one = [&] {
    // The model's next: the least normal or live key; shelved keys before it are gone (dropped unseen).
    auto it = model.begin();
    while (it != model.end() && it->second.state == State::shelved) it = model.erase(it);
    REQUIRE(it != model.end());
    auto e = q.pop();
    const Key key{e.at.us, e.tiebreak, e.sequence};
    REQUIRE(key == it->first);
    REQUIRE(static_cast<std::uint64_t>(e.payload) == e.sequence);
    last = key;
    model.erase(it);
    ++pops;
  };
  for (int step = 0; step < 4000; ++step) {
    const std::uint64_t what = draws.below(10);
    const std::int64_t at = q.now().us + draws.between(0, 30'000);
    if (what < 3) {
      q.push(sim::Time{at}, static_cast<int>(next));
      model[Key{at, mirror.next_u64(), next++}] = Model{State::normal, 0};
    } else if (what < 7) {
      const std::size_t index = draws.below(kIndexes);
      for (auto& [k, m] : model) {
        if (m.state == State::live && m.index == index) {
          m.state = State::shelved;
          ++superseded;
        }
      }
      q.arm(index, sim::Time{at}, static_cast<int>(next));
      model[Key{at, mirror.next_u64(), next++}] = Model{State::live, index};
    } else if (what == 7 && step % 5 == 0) {
      const std::size_t first = draws.below(kIndexes - 1);
      q.release_armed(first, 2);
      for (auto it = model.begin(); it != model.end();) {
        const bool in = it->second.index >= first && it->second.index < first + 2 && it->second.state != State::normal;
        if (in && it->second.state == State::shelved && it->first < last) {
          it = model.erase(it);
          continue;
        }
        if (in) {
          if (it->second.state == State::shelved) ++released;
          it->second.state = State::normal;
        }
        ++it;
      }
    } else if (!q.empty()) {
      pop_one();
    }
    // size() is counted, not summed over the parts: it must stay the number of events that will come out.
    const auto pending = static_cast<std::size_t>(
        std::count_if(model.begin(), model.end(), [](const auto& km) { return km.second.state != State::shelved; }));
    REQUIRE(q.size() == pending);
    REQUIRE(q.empty() == (pending == 0));
  }
  while (!q.empty()) pop_one();
  REQUIRE(q.size() == 0);
  for (const auto& [k, m] : model) REQUIRE(m.state == State::shelved);  // only superseded ones never came out
  REQUIRE(superseded > 100);
  REQUIRE(released > 10);
  REQUIRE(pops > 1000);
}

TEST_CASE("event queue: pop_into_until pops the events due by the end and leaves the first one after it") {
  sim::Rng r(5, sim::Stream::tiebreak);
  sim::EventQueue<int> q(r, 1000);
  q.set_armed_indexes(1);
  q.push(sim::Time{30}, 3);
  q.push(sim::Time{10}, 1);
  q.arm(0, sim::Time{20}, 2);
  q.push(sim::Time{20'000'000}, 4);  // far
  std::vector<int> seen;
  while (q.pop_into_until(sim::Time{30}, [&](int& v) { seen.push_back(v); })) {
  }
  REQUIRE(seen == std::vector<int>{1, 2, 3});
  REQUIRE(q.now() == sim::Time{30});
  REQUIRE(q.size() == 1);
  REQUIRE(!q.pop_into_until(sim::Time{19'999'999}, [&](int& v) { seen.push_back(v); }));
  REQUIRE(q.size() == 1);
  REQUIRE(q.next_time() == sim::Time{20'000'000});
  REQUIRE(q.pop_into_until(sim::Time{20'000'000}, [&](int& v) { seen.push_back(v); }));
  REQUIRE(seen.back() == 4);
  REQUIRE(q.empty());
}
