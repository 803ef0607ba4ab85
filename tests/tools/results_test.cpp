// Shards partition the seed range; results merge back; JUnit XML is well formed and escaped.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <vector>

#include "reports/results.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/seed_range.h"

TEST_CASE("shards: N shards cover the seed range exactly once, for any N") {
  const tools::SeedRange range = tools::parse_seed_range("5..104", "--seeds");
  for (std::uint64_t n = 1; n <= 13; ++n) {
    std::multiset<std::uint64_t> seen;
    for (std::uint64_t i = 1; i <= n; ++i) {
      for (auto s : tools::shard_seeds(range, i, n)) seen.insert(s);
    }
    INFO("N = " << n);
    REQUIRE(seen.size() == 100);
    for (std::uint64_t s = 5; s <= 104; ++s) REQUIRE(seen.count(s) == 1);
  }
}

TEST_CASE("shards: malformed shard specifications are usage errors") {
  for (const char* bad : {"", "3", "0/4", "5/4", "1/0", "a/b", "1/2/3", "-1/4"}) {
    INFO(bad);
    CHECK_THROWS_AS(tools::parse_shard(bad), tools::InputError);
  }
  CHECK(tools::parse_shard("2/8") == std::make_pair<std::uint64_t, std::uint64_t>(2, 8));
}

namespace {

reports::RunResults shard(std::vector<std::uint64_t> seeds, bool fail_first) {
  reports::RunResults r;
  r.version = "v";
  reports::ScenarioResults s;
  s.name = "a<b>";
  s.file = "scenarios/a.json";
  for (auto seed : seeds) {
    reports::SeedResult x;
    x.seed = seed;
    x.verdict = fail_first && seed == seeds.front() ? "safety_violation" : "pass";
    x.outcome = x.verdict;
    x.message = "two leaders in term 3: \"n1\" & <n2>";
    x.reproduce = "raftsim run a.json --seed 1";
    s.seeds.push_back(x);
  }
  r.scenarios.push_back(s);
  return r;
}

// A small well-formedness check: every tag closes in order, and text holds no raw '<' or '&'.
bool well_formed(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = xml.find("?>") + 2;
  while (i < xml.size()) {
    if (xml[i] != '<') {
      if (xml[i] == '&' && xml.compare(i, 4, "&lt;") != 0 && xml.compare(i, 4, "&gt;") != 0 &&
          xml.compare(i, 5, "&amp;") != 0 && xml.compare(i, 6, "&quot;") != 0 && xml.compare(i, 6, "&apos;") != 0) {
        return false;
      }
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return false;
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string::npos) return false;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return false;
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
    i = end + 1;
  }
  return open.empty();
}

std::size_t count(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("results: shards merge in seed order, and a seed in two shards is an error") {
  const auto merged = reports::merge_results({shard({2, 4}, false), shard({1, 3}, true)});
  REQUIRE(merged.scenarios.size() == 1);
  std::vector<std::uint64_t> order;
  for (const auto& x : merged.scenarios[0].seeds) order.push_back(x.seed);
  CHECK(order == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK_THROWS(reports::merge_results({shard({1, 2}, false), shard({2, 3}, false)}));
}

TEST_CASE("results: JUnit XML is well formed, counts failures, and escapes messages") {
  std::ostringstream out;
  reports::write_junit(out, reports::merge_results({shard({1, 2, 3}, true)}));
  const std::string xml = out.str();
  CHECK(well_formed(xml));
  CHECK(count(xml, "<testcase ") == 3);
  CHECK(count(xml, "<failure ") == 1);
  CHECK(xml.find("tests=\"3\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("&quot;n1&quot; &amp; &lt;n2&gt;") != std::string::npos);
  CHECK_FALSE(well_formed("<?xml?><a><b></a></b>"));  // the check itself can fail
}
