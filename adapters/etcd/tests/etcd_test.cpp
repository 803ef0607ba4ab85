// etcd's Raft under raftsim, end to end: the node program over the process protocol through the real
// runner and every checker. The scenario library passes, runs are deterministic, the race build is clean,
// and the deliberately faulty variants (a data race, a goroutine leak) are flagged.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "adapters/etcd/etcd_implementation.h"
#include "adapters/process/process_factory.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace {

using adapters::etcd::Build;
using adapters::etcd::EtcdOptions;

std::string scenario_path(const std::string& name) { return std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/" + name; }

// One run: a factory (so one child process) per run, as the runner does.
// The scenario names etcd as its implementation, so that the nemesis draws only what etcd honours (no
// snapshots: nemesis.snapshots leaves them off for it).
tools::RunResult run_etcd(const tools::Scenario& scenario, std::uint64_t seed, const EtcdOptions& options,
                          std::string* failure = nullptr) {
  tools::Scenario s = scenario;
  s.impl = "etcd";
  auto factory = adapters::etcd::make_etcd_factory(options);
  tools::RunResult r = tools::run_scenario_with(s, seed, *factory);
  if (failure != nullptr) *failure = adapters::process::failure_text(*factory);
  return r;
}

std::string describe(const tools::RunResult& r) {
  return r.violation ? r.violation->checker + ": " + r.violation->message : r.verdict_note;
}

tools::Scenario shortened(const std::string& name, std::int64_t duration_ms) {
  tools::Scenario s = tools::load_scenario_file(scenario_path(name));
  s.config.duration = sim::Duration::millis(duration_ms);
  s.config.liveness_window = sim::Duration::millis(duration_ms * 3 / 5);
  std::erase_if(s.config.faults, [&](const sim::Fault& f) { return f.at > sim::Time{} + s.config.duration; });
  return s;
}

}  // namespace

// Seeds 1..2: this one test runs every scenario serially through a Go child (about 17 s of wall time per
// seed); CI time is kept well under 15 minutes, and etcd-specific seeds are `raftsim fuzz --impl etcd`'s job.
TEST_CASE("etcd: the scenario library passes on seeds 1..2") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);
  for (const auto& f : files) {
    const tools::Scenario s = tools::load_scenario_file(f.string());
    if (s.not_for.count("etcd") != 0) continue;
    // etcd raft always randomizes its election timeout in [T, 2T) ticks: a scenario of fixed timeouts
    // (election_storm_fixed, which expects the endless storm) cannot apply. (Its not_for names etcd once
    // the implementation registry knows the name.)
    if (s.config.timing.election_timeout_min == s.config.timing.election_timeout_max) continue;
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      const tools::RunResult r = run_etcd(s, seed, {});
      INFO(f.filename().string() << " seed " << seed << ": " << describe(r));
      REQUIRE(r.verdict == tools::Outcome::pass);
    }
  }
}

TEST_CASE("etcd: equal seeds give equal traces, different seeds different ones") {
  for (const char* file : {"basic.json", "leader_partition.json", "swarm_nemesis.json"}) {
    const tools::Scenario s = shortened(file, 2500);
    std::set<std::uint64_t> hashes;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      const tools::RunResult a = run_etcd(s, seed, {});
      const tools::RunResult b = run_etcd(s, seed, {});
      INFO(file << " seed " << seed);
      REQUIRE(a.trace_hash == b.trace_hash);
      REQUIRE(a.metrics.events == b.metrics.events);
      hashes.insert(a.trace_hash);
    }
    REQUIRE(hashes.size() == 8);
  }
}

TEST_CASE("etcd: the race build is clean") {
  EtcdOptions race;
  race.build = Build::race;
  race.reply_timeout_seconds = 60;  // the race detector slows the child down
  for (const char* file : {"basic.json", "rolling_crashes.json", "fault_zoo.json"}) {
    const tools::Scenario s = shortened(file, 3000);
    std::string failure;
    const tools::RunResult r = run_etcd(s, 1, race, &failure);
    INFO(file << ": " << describe(r) << "\n" << failure);
    REQUIRE(r.verdict == tools::Outcome::pass);
  }
}

TEST_CASE("etcd: a data race in a Go node is an implementation-error finding") {
  EtcdOptions racy;
  racy.build = Build::race;
  racy.extra_args = {"--fault", "race"};
  racy.reply_timeout_seconds = 60;
  const tools::Scenario s = shortened("basic.json", 2000);
  std::string failure;
  const tools::RunResult r = run_etcd(s, 1, racy, &failure);
  INFO(describe(r) << "\n" << failure);
  REQUIRE(r.violation.has_value());
  REQUIRE(r.violation->checker == "implementation-error");
  // The race detector's report ends the child with status 66 (GORACE=halt_on_error=1); the report's
  // header ("WARNING: DATA RACE") is on raftsim's standard error, its last lines in the finding.
  REQUIRE(failure.find("exited with status 66") != std::string::npos);
  REQUIRE(failure.find("faults.go") != std::string::npos);  // the racy code, in the report's stacks
}

TEST_CASE("etcd: goroutines leaked across restarts are an implementation-error finding") {
  EtcdOptions leaky;
  leaky.extra_args = {"--fault", "leak"};
  const tools::Scenario s = tools::load_scenario_file(scenario_path("rolling_crashes.json"));
  std::string failure;
  const tools::RunResult r = run_etcd(s, 1, leaky, &failure);
  INFO(describe(r) << "\n" << failure);
  REQUIRE(r.violation.has_value());
  REQUIRE(r.violation->checker == "implementation-error");
  REQUIRE(failure.find("tasks") != std::string::npos);
}
