// Seed ranges on the command line: "7" or "1..1000" (inclusive).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tools {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
  std::uint64_t count() const { return last - first + 1; }
};

// Throws InputError (naming `option`) on a malformed or empty range.
SeedRange parse_seed_range(const std::string& text, const std::string& option);

// "I/N" (1 <= I <= N): this process runs shard I of N. Throws InputError on anything else.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text);

// The seeds of shard I of N: positions I-1, I-1+N, ... of the range, so N shards partition it.
std::vector<std::uint64_t> shard_seeds(const SeedRange& range, std::uint64_t shard, std::uint64_t shards);

}  // namespace tools
