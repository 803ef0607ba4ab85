// The rough edges a new user hit (issue 13 item 6): shrunk scenarios that always parse, a scenario's own
// seed, fuzz seed ranges, normalized fuzz signatures, --quiet, and run DIR recursing into subfolders.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tools/fuzz/fuzz.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/shrink/shrink.h"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

fs::path fresh_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("raftsim-rough-" + name + "-" + std::to_string(static_cast<long>(::getpid())));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

struct Result {
  int exit_code = -1;
  std::string out;
};

Result raftsim(const std::string& args, const fs::path& dir) {
  std::string bin = RAFTSIM_BINARY;
  if (const char* env = std::getenv("RAFTSIM_BIN"); env != nullptr && *env != '\0') bin = env;
  const std::string command = "cd '" + dir.string() + "' && '" + bin + "' " + args + " >out.txt 2>&1";
  const int status = std::system(command.c_str());
  return Result{status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir / "out.txt")};
}

}  // namespace

TEST_CASE("rough edges: a shrunk scenario is valid JSON even when its description has several lines", "[rough]") {
  const fs::path dir = fresh_dir("shrink");
  tools::ShrinkResult r;
  r.scenario = tools::parse_scenario(R"({ "name": "s", "duration_ms": 1000 })", "<string>");
  r.scenario.description = "not linearizable: key 3\nwitness: {\"op\": 1}\r\n\tlast line";
  r.seed = 7;
  tools::write_shrunk_scenario(r, (dir / "small.json").string());
  const tools::Scenario back = tools::load_scenario_file((dir / "small.json").string());
  CHECK(back.description == r.scenario.description);
  REQUIRE(back.seeds.has_value());
  CHECK(back.seeds->first == 7);  // the file runs its failing seed by itself
  fs::remove_all(dir);
}

TEST_CASE("rough edges: a scenario's seed or seeds field is read and checked", "[rough]") {
  CHECK(tools::parse_scenario(R"({ "seed": 12 })", "<string>").seeds == std::make_pair(std::uint64_t{12}, std::uint64_t{12}));
  CHECK(tools::parse_scenario(R"({ "seeds": "3..9" })", "<string>").seeds == std::make_pair(std::uint64_t{3}, std::uint64_t{9}));
  CHECK_FALSE(tools::parse_scenario(R"({ })", "<string>").seeds.has_value());
  CHECK_THROWS_WITH(tools::parse_scenario(R"({ "seeds": "9..3" })", "f.json"), Catch::Contains("seeds"));
  CHECK_THROWS_WITH(tools::parse_scenario(R"({ "seed": 1, "seeds": "1..2" })", "f.json"), Catch::Contains("not both"));
}

TEST_CASE("rough edges: fuzz signatures keep checker and rule, not the message's wording", "[rough]") {
  // The same rule broken, worded differently: one finding.
  CHECK(tools::failure_signature("safety_violation", "commit-quorum",
                                 "node 1 committed index 5 (term 2), but only 2 of 5 nodes hold that entry (missing at nodes 3, 4): an entry is committed only once a majority stores it (5.3)") ==
        tools::failure_signature("safety_violation", "commit-quorum",
                                 "node 4 committed index 19 (term 7), but only 1 of 3 nodes hold that entry (missing at nodes 0): an entry is committed only once a majority stores it (5.3)"));
  CHECK(tools::failure_signature("safety_violation", "node-lifecycle", "a send event of incarnation 2 happened at node 1, whose live incarnation is 3") ==
        tools::failure_signature("safety_violation", "node-lifecycle", "a send event of incarnation 5 happened at node 0, whose live incarnation is 9 (stale)"));
  // Different rules, checkers or crash sites stay apart.
  CHECK(tools::failure_signature("safety_violation", "commit-quorum", "x (5.3)") !=
        tools::failure_signature("safety_violation", "commit-quorum", "x (5.4.2, Figure 8)"));
  CHECK(tools::failure_signature("safety_violation", "election-safety", "x") != tools::failure_signature("safety_violation", "log-matching", "x"));
  const std::string abort_a = "the implementation under test crashed: killed by signal 6 (SIGABRT); it said: assertion failed: n < 3 (raft/log.cpp:50)";
  const std::string abort_b = "the implementation under test crashed: killed by signal 6 (SIGABRT); it said: assertion failed: n < 7 (raft/log.cpp:50)";
  const std::string abort_c = "the implementation under test crashed: killed by signal 6 (SIGABRT); it said: assertion failed: ok (raft/node.cpp:9)";
  CHECK(tools::failure_signature("safety_violation", tools::kImplementationError, abort_a) ==
        tools::failure_signature("safety_violation", tools::kImplementationError, abort_b));
  CHECK(tools::failure_signature("safety_violation", tools::kImplementationError, abort_a) !=
        tools::failure_signature("safety_violation", tools::kImplementationError, abort_c));
  CHECK(contains(tools::failure_rule(tools::kImplementationError, abort_a), "SIGABRT at raft/log.cpp:50"));
}

TEST_CASE("rough edges: run uses a scenario's own seeds, recurses into folders, fuzz takes a range, --quiet prints the table", "[rough]") {
  const fs::path dir = fresh_dir("cli");
  fs::create_directories(dir / "suite/sub");
  // Fails on every seed (an unmet expectation), so each seed run leaves a record named after it.
  std::ofstream(dir / "suite/sub/unmet.json")
      << R"({ "name": "unmet", "seeds": "4..5", "duration_ms": 1000, "expect": { "outcome": "safety_violation" } })";
  std::ofstream(dir / "suite/top.json") << R"({ "name": "top", "seed": 9, "duration_ms": 1000 })";
  const Result run = raftsim("run suite --records d --quiet --json j.json", dir);
  INFO(run.out);
  CHECK(run.exit_code == 1);
  CHECK(fs::exists(dir / "d/unmet-seed4.json"));
  CHECK(fs::exists(dir / "d/unmet-seed5.json"));
  CHECK(contains(slurp(dir / "j.json"), "\"seed\": 9"));
  CHECK(contains(run.out, "scenario "));                   // the table
  CHECK_FALSE(contains(run.out, "first failure"));         // and nothing else
  CHECK_FALSE(contains(run.out, "VIOLATION  "));
  // The command line's seed wins over the file's.
  const Result one = raftsim("run suite/top.json --seed 2 --json one.json", dir);
  CHECK(contains(slurp(dir / "one.json"), "\"seed\": 2"));
  const Result fuzz = raftsim("fuzz suite/top.json --seeds 3..5 --out f", dir);
  INFO(fuzz.out);
  CHECK(fuzz.exit_code == 0);
  CHECK(contains(fuzz.out, "fuzzed 3 seeds"));
  CHECK(contains(fuzz.out, "next seed 6"));
  CHECK(raftsim("fuzz suite/top.json --seeds 3..5 --first-seed 2 --out f", dir).exit_code == 3);
  fs::remove_all(dir);
}
