// Seeded randomness. One master seed; an independent PCG stream per purpose, so that (for example)
// changing the workload does not change the network's random choices.
//
// The distributions are written here on purpose: std::uniform_int_distribution and friends produce
// different sequences on different standard libraries, which would break "same seed, same trace".
#pragma once

#include <cstdint>

#include <pcg_random.hpp>

#include "base/assert.h"

namespace sim {

// Each purpose gets its own PCG stream (PCG's stream selector), derived from the one master seed.
enum class Stream : std::uint64_t {
  network = 1,
  timers = 2,
  workload = 3,
  faults = 4,
  tiebreak = 5,
  disk = 6,
  // 7..9 are the nemesis's own streams (tools/nemesis), 10 and 11 its Raft features and leadership
  // transfers, 14 its snapshot knobs, 17 its membership changes, 21 its host model draw, 25 the clock
  // rates of a seed with lease reads.
  host = 20,  // HostModel: timer jitter, start offsets, processing times
  // Clients (issue 13 item 4): which node a retry goes to, and the network's duplicates and late
  // deliveries of client requests and replies. Numbered apart from the others so that streams added
  // elsewhere do not collide.
  client_retry = 40,
  client_network = 41,
};

class Rng {
 public:
  Rng(std::uint64_t master_seed, Stream stream);

  std::uint32_t next_u32() { return engine_(); }
  // The draws below are inline: the network, disks, timers and queue draw several per event.
  std::uint64_t next_u64() {
    const std::uint64_t hi = engine_();
    const std::uint64_t lo = engine_();
    return (hi << 32) | lo;
  }

  // Uniform in [0, bound). bound must be > 0. Lemire's multiply-shift with rejection: unbiased.
  std::uint64_t below(std::uint64_t bound) {
    RAFTSIM_ASSERT(bound > 0);
    // Lemire, "Fast Random Integer Generation in an Interval" (2019), 64-bit variant.
    __uint128_t m = static_cast<__uint128_t>(next_u64()) * bound;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < bound) [[unlikely]] {
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
  // Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    RAFTSIM_ASSERT(lo <= hi);
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo);
    if (span == UINT64_MAX) [[unlikely]] return static_cast<std::int64_t>(next_u64());
    return lo + static_cast<std::int64_t>(below(span + 1));
  }
  // Uniform in [0, 1) with 53 bits of precision.
  double unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  bool bernoulli(double probability) {
    RAFTSIM_ASSERT(probability >= 0.0 && probability <= 1.0);
    if (probability <= 0.0) return false;  // consumes no randomness: a disabled fault changes nothing
    if (probability >= 1.0) return true;
    return unit() < probability;
  }
  // Exponentially distributed with the given mean (inverse transform).
  double exponential(double mean);

 private:
  pcg32 engine_;
};

}  // namespace sim
