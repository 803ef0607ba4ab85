#include "sim/rng.h"

#include <cmath>

#include "base/assert.h"

namespace sim {

namespace {
// splitmix64: spreads a small master seed (1, 2, 3...) over all 64 bits before PCG sees it.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
}  // namespace

Rng::Rng(std::uint64_t master_seed, Stream stream)
    : engine_(splitmix64(master_seed), splitmix64(static_cast<std::uint64_t>(stream))) {}

double Rng::exponential(double mean) {
  RAFTSIM_ASSERT(mean >= 0.0);
  // 1 - unit() is in (0, 1], so the logarithm is finite.
  const double x = -mean * std::log(1.0 - unit());
  RAFTSIM_ASSERT(x >= 0.0);
  return x;
}

}  // namespace sim
