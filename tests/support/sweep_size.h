// How many seeds a test's sweep runs. ./build.sh test runs the unit tests in its sanitizer build (ASan +
// UBSan, about 5x slower; its release build builds no unit tests); a sweep that repeats the same code paths
// over many seeds finds memory errors in its first few seeds as well as in all of them, so there it runs
// fewer. A build without the sanitizers (ctest in a default build) runs the full sweep.
#pragma once

#include <cassert>
#include <cstdint>

namespace test_support {

#ifdef RAFTSIM_SANITIZED_TESTS
inline constexpr bool kSanitizedTests = true;
#else
inline constexpr bool kSanitizedTests = false;
#endif

// `release` seeds in the release build, `sanitized` (fewer, at least one) in the sanitizer build.
constexpr std::uint64_t sweep_seeds(std::uint64_t release, std::uint64_t sanitized) {
  assert(sanitized >= 1 && sanitized <= release);
  return kSanitizedTests ? sanitized : release;
}

}  // namespace test_support
