#include "tools/lib/seed_range.h"

#include <charconv>

#include <fmt/format.h>

#include "tools/lib/input_error.h"

namespace tools {

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

SeedRange parse_seed_range(const std::string& text, const std::string& option) {
  constexpr std::uint64_t kSeedsMax = 100'000'000;
  SeedRange r;
  const auto dots = text.find("..");
  const bool ok = dots == std::string::npos
                      ? parse_u64(text, r.first) && (r.last = r.first, true)
                      : parse_u64(std::string_view(text).substr(0, dots), r.first) &&
                            parse_u64(std::string_view(text).substr(dots + 2), r.last);
  if (!ok) throw InputError("command line", option, fmt::format("expected a seed N or a range A..B, found '{}'", text));
  if (r.first > r.last) throw InputError("command line", option, fmt::format("empty range '{}': A must be <= B", text));
  if (r.count() > kSeedsMax || r.count() == 0) {
    throw InputError("command line", option, fmt::format("at most {} seeds per run", kSeedsMax));
  }
  return r;
}

}  // namespace tools
