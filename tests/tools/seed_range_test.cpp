// Seed ranges on the command line: "N" or "A..B" (inclusive); anything else is an InputError.
#include <catch2/catch.hpp>

#include <string>

#include "tools/scenario/input_error.h"
#include "tools/runner/seed_range.h"

namespace {

std::string error_of(const std::string& text, const std::string& option = "--seeds") {
  try {
    const tools::SeedRange r = tools::parse_seed_range(text, option);
    FAIL("expected tools::InputError for '" << text << "', got " << r.first << ".." << r.last);
  } catch (const tools::InputError& e) {
    return e.what();
  }
  return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("seed range: a single seed", "[seed-range]") {
  const tools::SeedRange r = tools::parse_seed_range("7", "--seed");
  CHECK(r.first == 7);
  CHECK(r.last == 7);
  CHECK(r.count() == 1);
}

TEST_CASE("seed range: an inclusive range", "[seed-range]") {
  const tools::SeedRange r = tools::parse_seed_range("1..1000", "--seeds");
  CHECK(r.first == 1);
  CHECK(r.last == 1000);
  CHECK(r.count() == 1000);

  const tools::SeedRange one = tools::parse_seed_range("42..42", "--seeds");
  CHECK(one.first == 42);
  CHECK(one.last == 42);
  CHECK(one.count() == 1);

  // The top of the seed range, 2^63-1 (issue 15: the same range as records, replay and shrink).
  const tools::SeedRange big = tools::parse_seed_range("9223372036854775802..9223372036854775807", "--seeds");
  CHECK(big.first == 9223372036854775802ULL);
  CHECK(big.count() == 6);
}

TEST_CASE("seed range: malformed text is an error naming the option and the text", "[seed-range][errors]") {
  for (const std::string text : {"", "a", "1..", "..4", "1...3", "1..a", "-1", " 7", "7 ", "1..2..3", "0x10",
                                 "18446744073709551616"}) {
    INFO("text '" << text << "'");
    const std::string what = error_of(text);
    CHECK(what.rfind("command line: --seeds: ", 0) == 0);
    CHECK(contains(what, "expected a seed N or a range A..B"));
    CHECK(contains(what, "'" + text + "'"));
  }
}

TEST_CASE("seed range: the option name is the one given", "[seed-range][errors]") {
  CHECK(error_of("x", "--seed").rfind("command line: --seed: ", 0) == 0);
}

TEST_CASE("seed range: a backwards range is empty", "[seed-range][errors]") {
  const std::string what = error_of("5..3");
  CHECK(what.rfind("command line: --seeds: ", 0) == 0);
  CHECK(contains(what, "empty range '5..3'"));
}

TEST_CASE("seed range: too many seeds", "[seed-range][errors]") {
  CHECK(tools::parse_seed_range("1..100000000", "--seeds").count() == 100'000'000);
  CHECK(contains(error_of("1..100000001"), "at most 100000000 seeds"));
  CHECK(contains(error_of("0..9223372036854775807"), "at most"));
  // Past 2^63-1: refused for the seed bound before count() could wrap.
  CHECK(contains(error_of("0..18446744073709551615"), "[0, 9223372036854775807]"));
}
