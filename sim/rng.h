// Seeded randomness. One master seed; an independent PCG stream per purpose, so that (for example)
// changing the workload does not change the network's random choices.
//
// The distributions are written here on purpose: std::uniform_int_distribution and friends produce
// different sequences on different standard libraries, which would break "same seed, same trace".
#pragma once

#include <cstdint>

#include <pcg_random.hpp>

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
  std::uint64_t next_u64();

  // Uniform in [0, bound). bound must be > 0. Lemire's multiply-shift with rejection: unbiased.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1) with 53 bits of precision.
  double unit();
  bool bernoulli(double probability);
  // Exponentially distributed with the given mean (inverse transform).
  double exponential(double mean);

 private:
  pcg32 engine_;
};

}  // namespace sim
