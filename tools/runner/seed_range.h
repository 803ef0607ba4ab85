// Seed ranges on the command line: "7" or "1..1000" (inclusive). Every seed anywhere (run, fuzz, replay,
// shrink, failure records) lies in [0, kSeedMax]: records store it as a JSON integer, which raftsim reads as
// a signed 64-bit one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tools {

constexpr std::uint64_t kSeedMax = 9'223'372'036'854'775'807ULL;  // 2^63 - 1

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
  std::uint64_t count() const { return last - first + 1; }
};

// Throws InputError (naming `option`) unless seed <= kSeedMax.
void check_seed(std::uint64_t seed, const std::string& option);

// Throws InputError (naming `option`) on a malformed or empty range, or one reaching past kSeedMax.
SeedRange parse_seed_range(const std::string& text, const std::string& option);

// "I/N" (1 <= I <= N): this process runs shard I of N. Throws InputError on anything else.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text);

// The seeds of shard I of N: positions I-1, I-1+N, ... of the range, so N shards partition it.
std::vector<std::uint64_t> shard_seeds(const SeedRange& range, std::uint64_t shard, std::uint64_t shards);

}  // namespace tools
