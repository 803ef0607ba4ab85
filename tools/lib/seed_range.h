// Seed ranges on the command line: "7" or "1..1000" (inclusive).
#pragma once

#include <cstdint>
#include <string>

namespace tools {

struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
  std::uint64_t count() const { return last - first + 1; }
};

// Throws InputError (naming `option`) on a malformed or empty range.
SeedRange parse_seed_range(const std::string& text, const std::string& option);

}  // namespace tools
