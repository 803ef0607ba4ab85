// A test's own deterministic draws for generated event streams: checkers::SplitMix64 (the history
// generator's PRNG) with the helpers the stream generators use. Tests must not depend on std:: random
// distributions (their output differs between standard libraries) nor on the simulator's RNG.
#pragma once

#include <cstdint>

#include "checkers/history_generator.h"

namespace test_support {

struct Draw {
  explicit Draw(std::uint64_t seed) : rng(seed) {}
  std::uint64_t next() { return rng.next(); }
  std::uint64_t below(std::uint64_t n) { return rng.below(n); }
  bool chance(std::uint64_t per_mille) { return below(1000) < per_mille; }
  checkers::SplitMix64 rng;
};

}  // namespace test_support
