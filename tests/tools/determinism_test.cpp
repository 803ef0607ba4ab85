// Determinism, the first non-negotiable: one seed decides everything. Equal seeds give equal trace
// hashes (and byte-identical trace files); different seeds give different traces.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/sweep_size.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace {

tools::Scenario shortened(const std::string& name) {
  tools::Scenario s = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/" + name);
  // Shorter runs keep 100 seeds x 2 runs fast; faults after the new end are dropped.
  s.config.duration = sim::Duration::millis(2500);
  s.config.liveness_window = sim::Duration::millis(1500);
  std::erase_if(s.config.faults, [&](const sim::Fault& f) { return f.at > sim::Time{} + s.config.duration; });
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("determinism: 100 seeds (20 under the sanitizers) each run twice give equal hashes and different seeds differ") {
  const std::uint64_t seeds = test_support::sweep_seeds(100, 20);
  // swarm_nemesis: per-seed faults and knobs (swarm_config), group-commit disks; with a planted bug too.
  for (const char* file : {"basic.json", "leader_partition.json", "swarm_nemesis.json", "swarm_nemesis.json+bug"}) {
    const std::string name(file);
    const bool planted = name.ends_with("+bug");
    tools::Scenario s = shortened(planted ? name.substr(0, name.size() - 4) : name);
    if (planted) s.bugs = {"revote-same-term"};
    std::set<std::uint64_t> hashes;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      const tools::RunResult a = tools::run_scenario(s, seed);
      const tools::RunResult b = tools::run_scenario(s, seed);
      INFO(file << " seed " << seed);
      REQUIRE(a.trace_hash == b.trace_hash);
      REQUIRE(a.metrics.events == b.metrics.events);
      REQUIRE(a.outcome == b.outcome);
      hashes.insert(a.trace_hash);
    }
    REQUIRE(hashes.size() == seeds);
  }
}

TEST_CASE("determinism: the same seed writes byte-identical trace and history files") {
  const tools::Scenario s = shortened("leader_partition.json");
  const auto dir = std::filesystem::temp_directory_path() / ("raftsim-determinism-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  tools::RunOptions a{(dir / "a.trace.jsonl").string(), (dir / "a.history.jsonl").string()};
  tools::RunOptions b{(dir / "b.trace.jsonl").string(), (dir / "b.history.jsonl").string()};
  tools::run_scenario(s, 17, a);
  tools::run_scenario(s, 17, b);
  const std::string trace_a = slurp(a.trace_path);
  REQUIRE(trace_a.size() > 1000);
  REQUIRE(trace_a == slurp(b.trace_path));
  REQUIRE(slurp(a.history_path) == slurp(b.history_path));
  tools::RunOptions c{(dir / "c.trace.jsonl").string(), ""};
  tools::run_scenario(s, 18, c);
  REQUIRE(trace_a != slurp(c.trace_path));
  std::filesystem::remove_all(dir);
}

TEST_CASE("determinism: a workload change does not change the network's or timers' random choices") {
  // Streams are independent: with the first client operation due after the run ends, a run with
  // clients and one without elect their first leader identically.
  tools::Scenario with = shortened("basic.json");
  with.config.liveness = false;
  with.config.duration = sim::Duration::millis(500);
  with.config.workload.think_time = sim::Duration::millis(100'000);
  tools::Scenario without = with;
  without.config.workload.clients = 0;
  const auto a = tools::run_scenario(with, 5);
  const auto b = tools::run_scenario(without, 5);
  REQUIRE(a.metrics.network.sent > 0);
  REQUIRE(a.metrics.network.sent == b.metrics.network.sent);
  REQUIRE(a.metrics.elections == b.metrics.elections);
}
