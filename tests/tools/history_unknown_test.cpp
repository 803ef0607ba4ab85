// An unknown history verdict inside a run is never a pass (issue 14 item 3): the run's outcome is
// `unknown`, exit code 4, its own column in the table, "unknown" in the JSON results and failure records,
// and fuzz files it as a finding of its own kind.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tools/fuzz/fuzz.h"
#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace {

// A few seconds of clients on a healthy cluster: hundreds of operations, far more than 1024 search steps.
const char* kScenario = R"({ "name": "hist", "duration_ms": 3000, "workload": { "clients": 6, "keys": 2 } })";

}  // namespace

TEST_CASE("history unknown: a history check stopped by its step limit makes the run unknown, exit 4", "[report][unknown]") {
  const tools::Scenario s = tools::parse_scenario(kScenario, "<string>");
  tools::RunOptions options;
  options.linearizability_steps_max = 1024;  // far too few for this history
  const tools::RunResult r = tools::run_scenario(s, 1, options);
  INFO(r.linearizability);
  REQUIRE(r.outcome == tools::Outcome::unknown);
  CHECK(r.verdict == tools::Outcome::unknown);
  CHECK(!r.violation.has_value());
  CHECK(r.linearizability.find("step limit of 1024 reached on key") != std::string::npos);
  CHECK(tools::exit_code(r.verdict) == 4);
  CHECK(tools::exit_code(r.verdict) == tools::kExitUnknown);
  CHECK(std::string(tools::outcome_code(r.verdict)) == "unknown");
  CHECK(tools::to_seed_result(s, r).verdict == "unknown");
  CHECK(tools::failure_summary(r).find("history check unknown") == 0);
  CHECK(tools::failure_signature(r).rfind("unknown | linearizability | step limit of", 0) == 0);
  CHECK(tools::format_run_report(s, r).find("outcome    UNKNOWN") != std::string::npos);

  // With the default limit the same seed is decided, and passes: the limit, not the history, made it unknown.
  const tools::RunResult decided = tools::run_scenario(s, 1);
  CHECK(decided.outcome == tools::Outcome::pass);
  CHECK(decided.linearizability.rfind("linearizable", 0) == 0);
}

TEST_CASE("history unknown: ranks between pass and liveness, and has its own column", "[report][unknown]") {
  using tools::Outcome;
  CHECK(tools::worst(Outcome::pass, Outcome::unknown) == Outcome::unknown);
  CHECK(tools::worst(Outcome::unknown, Outcome::pass) == Outcome::unknown);
  CHECK(tools::worst(Outcome::unknown, Outcome::liveness_violation) == Outcome::liveness_violation);
  CHECK(tools::worst(Outcome::safety_violation, Outcome::unknown) == Outcome::safety_violation);

  const tools::Scenario s = tools::parse_scenario(R"({ "name": "col", "duration_ms": 1000 })", "<string>");
  tools::SeedBatch batch{&s, {}};
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    tools::RunResult r;
    r.seed = seed;
    r.outcome = r.verdict = seed == 2 ? Outcome::unknown : Outcome::pass;
    batch.results.push_back(std::move(r));
  }
  std::vector<tools::SeedBatch> batches;
  batches.push_back(std::move(batch));
  const std::string table = tools::format_batch_table(batches);
  INFO(table);
  CHECK(table.find("unknown") != std::string::npos);
  // pass 2, safety 0, liveness 0, unknown 1
  CHECK(table.find("     2       0         0       1") != std::string::npos);
}
