// FirstArrivals (checkers/first_arrivals.h), the leadership checker's window of recent requests, answers as
// the std::map it replaced did: emplace (first arrival wins), erase(begin()) beyond the window, find.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>

#include "checkers/first_arrivals.h"

namespace {

struct XorShift {
  std::uint64_t state;
  std::uint64_t operator()() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

}  // namespace

TEST_CASE("first arrivals: the same answers as a std::map window", "[checkers][speed]") {
  constexpr std::size_t kWindow = 64;
  checkers::FirstArrivals arrivals(kWindow);
  std::map<std::uint64_t, std::uint64_t> map;
  XorShift next{123456789};
  std::uint64_t newest = 0;
  for (std::uint64_t position = 1; position <= 20000; ++position) {
    // Mostly increasing ids, some retries of recent ones, a few of ids long gone.
    const std::uint64_t pick = next() % 10;
    const std::uint64_t id = pick < 6 ? ++newest : pick < 9 ? newest - std::min<std::uint64_t>(newest, next() % 8) : next() % (newest + 1);
    arrivals.note(id, position);
    map.emplace(id, position);
    if (map.size() > kWindow) map.erase(map.begin());
    REQUIRE(arrivals.size() == map.size());
    const std::uint64_t q = next() % (newest + 2);
    const auto found = map.find(q);
    const std::uint64_t* got = arrivals.find(q);
    REQUIRE((got == nullptr) == (found == map.end()));
    if (got != nullptr) REQUIRE(*got == found->second);
  }
  arrivals.clear();
  CHECK(arrivals.size() == 0);
  CHECK(arrivals.find(newest) == nullptr);
}

TEST_CASE("first arrivals: a retry keeps the first position and the lowest id is forgotten first", "[checkers]") {
  checkers::FirstArrivals arrivals(2);
  arrivals.note(5, 10);
  arrivals.note(5, 11);  // a retry
  REQUIRE(arrivals.find(5) != nullptr);
  CHECK(*arrivals.find(5) == 10);
  arrivals.note(7, 12);
  arrivals.note(3, 13);  // lower than every id kept: forgotten at once
  CHECK(arrivals.find(3) == nullptr);
  arrivals.note(9, 14);  // 5 goes
  CHECK(arrivals.find(5) == nullptr);
  REQUIRE(arrivals.find(7) != nullptr);
  CHECK(*arrivals.find(7) == 12);
  CHECK(arrivals.size() == 2);
}
