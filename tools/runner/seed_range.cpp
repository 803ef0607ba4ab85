#include "tools/runner/seed_range.h"

#include <charconv>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/scenario/input_error.h"

namespace tools {

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

void check_seed(std::uint64_t seed, const std::string& option) {
  if (seed > kSeedMax) {
    throw InputError("command line", option, fmt::format("seeds are integers in [0, {}], found {}", kSeedMax, seed));
  }
}

SeedRange parse_seed_range(const std::string& text, const std::string& option) {
  constexpr std::uint64_t kSeedsMax = 100'000'000;
  SeedRange r;
  const auto dots = text.find("..");
  const bool ok = dots == std::string::npos
                      ? parse_u64(text, r.first) && (r.last = r.first, true)
                      : parse_u64(std::string_view(text).substr(0, dots), r.first) &&
                            parse_u64(std::string_view(text).substr(dots + 2), r.last);
  if (!ok) {
    throw InputError("command line", option,
                     fmt::format("expected a seed N or a range A..B of integers in [0, {}], found '{}'", kSeedMax, text));
  }
  check_seed(r.first, option);
  check_seed(r.last, option);
  if (r.first > r.last) throw InputError("command line", option, fmt::format("empty range '{}': A must be <= B", text));
  if (r.count() > kSeedsMax || r.count() == 0) {
    throw InputError("command line", option, fmt::format("at most {} seeds per run", kSeedsMax));
  }
  return r;
}

std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  std::uint64_t i = 0, n = 0;
  if (slash == std::string::npos || !parse_u64(std::string_view(text).substr(0, slash), i) ||
      !parse_u64(std::string_view(text).substr(slash + 1), n)) {
    throw InputError("command line", "--shard", fmt::format("expected I/N (e.g. 2/8), found '{}'", text));
  }
  if (n == 0 || i == 0 || i > n) {
    throw InputError("command line", "--shard", fmt::format("expected 1 <= I <= N in I/N, found '{}'", text));
  }
  return {i, n};
}

std::vector<std::uint64_t> shard_seeds(const SeedRange& range, std::uint64_t shard, std::uint64_t shards) {
  RAFTSIM_ASSERT(shards >= 1 && shard >= 1 && shard <= shards);
  RAFTSIM_ASSERT(range.first <= range.last);
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t offset = shard - 1; offset < range.count(); offset += shards) seeds.push_back(range.first + offset);
  return seeds;
}

}  // namespace tools
