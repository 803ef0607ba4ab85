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

std::uint64_t Rng::next_u64() {
  const std::uint64_t hi = engine_();
  const std::uint64_t lo = engine_();
  return (hi << 32) | lo;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  RAFTSIM_ASSERT(bound > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019), 64-bit variant.
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * bound;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<__uint128_t>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  const std::uint64_t result = static_cast<std::uint64_t>(m >> 64);
  RAFTSIM_ASSERT(result < bound);
  return result;
}

std::int64_t Rng::between(std::int64_t lo, std::int64_t hi) {
  RAFTSIM_ASSERT(lo <= hi);
  const std::uint64_t span = static_cast<std::uint64_t>(hi - lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next_u64());
  return lo + static_cast<std::int64_t>(below(span + 1));
}

double Rng::unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

bool Rng::bernoulli(double probability) {
  RAFTSIM_ASSERT(probability >= 0.0 && probability <= 1.0);
  if (probability <= 0.0) return false;  // consumes no randomness: a disabled fault changes nothing
  if (probability >= 1.0) return true;
  return unit() < probability;
}

double Rng::exponential(double mean) {
  RAFTSIM_ASSERT(mean >= 0.0);
  // 1 - unit() is in (0, 1], so the logarithm is finite.
  const double x = -mean * std::log(1.0 - unit());
  RAFTSIM_ASSERT(x >= 0.0);
  return x;
}

}  // namespace sim
