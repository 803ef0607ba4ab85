// The table's "cpu" column is CPU time (issue 15 item 20), not summed wall time: a run's cpu_seconds comes
// from its thread's CPU clock, and the table sums exactly that.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

TEST_CASE("cpu column: the table sums each run's CPU time, not its wall time", "[report]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "name": "cpu", "duration_ms": 1000 })", "<string>");
  tools::SeedBatch batch{&s, {}};
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    tools::RunResult r;
    r.seed = seed;
    r.wall_seconds = 40.0;  // a loaded machine: far more wall than CPU
    r.cpu_seconds = 1.25;
    batch.results.push_back(std::move(r));
  }
  const std::string line = tools::format_batch_line(batch);
  INFO(line);
  CHECK(line.find("2.50s") != std::string::npos);
  CHECK(line.find("80.00s") == std::string::npos);
  std::vector<tools::SeedBatch> batches;
  batches.push_back(std::move(batch));
  CHECK(tools::format_batch_table(batches).find("not wall time") != std::string::npos);
}

TEST_CASE("cpu column: a run measures its CPU time, at most its wall time", "[report]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "name": "cpu", "duration_ms": 2000 })", "<string>");
  const tools::RunResult r = tools::run_scenario(s, 1);
  CHECK(r.cpu_seconds > 0.0);
  CHECK(r.cpu_seconds <= r.wall_seconds + 0.01);  // the thread's CPU clock cannot run ahead of the wall clock
}
