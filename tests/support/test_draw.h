// A test's own deterministic draws (splitmix64), for generated event streams: tests must not depend on
// std:: random distributions (their output differs between standard libraries) nor on the simulator's RNG.
#pragma once

#include <cstdint>

namespace test_support {

struct Draw {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(std::uint64_t per_mille) { return below(1000) < per_mille; }
};

}  // namespace test_support
