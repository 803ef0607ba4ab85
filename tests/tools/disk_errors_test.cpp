// Disk write errors (fault fail_disk_writes) end to end on the reference Raft: a failed write stops the
// node (Raft::on_persist_failed), the host ends its process, and no checker counts the stop as a violation
// or the failed write as durable.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_writer.h"

namespace {

std::size_t count_kind(const tools::RunResult& r, sim::EventKind kind) {
  return static_cast<std::size_t>(
      std::count_if(r.all_events.begin(), r.all_events.end(), [&](const sim::TraceEvent& e) { return e.kind == kind; }));
}

}  // namespace

TEST_CASE("disk errors: the reference Raft stops on a failed write and its host crashes it and every checker passes") {
  const tools::Scenario s = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/disk_write_errors.json");
  tools::RunOptions options;
  options.keep_all_events = true;
  std::size_t stops = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const tools::RunResult r = tools::run_scenario(s, seed, options);
    INFO("seed " << seed);
    REQUIRE(r.outcome == tools::Outcome::pass);
    CHECK(count_kind(r, sim::EventKind::disk_errors) >= 6);  // three faults and their undos, at least one node each
    const std::size_t failed = count_kind(r, sim::EventKind::disk_failed);
    const std::size_t stopped = count_kind(r, sim::EventKind::node_stopped);
    CHECK(failed >= 1);
    CHECK(stopped >= 1);
    CHECK(stopped <= failed);  // one stop per node, at its first failed write
    stops += stopped;
    for (std::size_t i = 0; i < r.all_events.size(); ++i) {
      const sim::TraceEvent& e = r.all_events[i];
      if (e.kind != sim::EventKind::node_stopped) continue;
      CHECK(e.a == 1);
      // Right after the stop, at the same instant, the host ends the process: nothing acts for it before.
      const auto crash = std::find_if(r.all_events.begin() + static_cast<std::ptrdiff_t>(i) + 1, r.all_events.end(),
                                      [&](const sim::TraceEvent& x) { return x.node == e.node && x.kind == sim::EventKind::crash; });
      REQUIRE(crash != r.all_events.end());
      CHECK(crash->time_us == e.time_us);
      for (auto it = r.all_events.begin() + static_cast<std::ptrdiff_t>(i) + 1; it != crash; ++it) {
        if (it->node != e.node) continue;
        CHECK(it->kind != sim::EventKind::send);
        CHECK(it->kind != sim::EventKind::disk_write);
        CHECK(it->kind != sim::EventKind::vote);
      }
    }
  }
  CHECK(stops >= 5);
}

TEST_CASE("disk errors: without the fault a run has no disk errors and the fault round-trips through a record") {
  const tools::Scenario s = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/crash_restart_all.json");
  tools::RunOptions options;
  options.keep_all_events = true;
  const tools::RunResult r = tools::run_scenario(s, 1, options);
  CHECK(count_kind(r, sim::EventKind::disk_failed) == 0);
  CHECK(count_kind(r, sim::EventKind::node_stopped) == 0);

  const tools::Scenario faulty =
      tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/disk_write_errors.json");
  const tools::Scenario again = tools::parse_scenario(tools::scenario_to_json(faulty).dump(), "record.json");
  REQUIRE(again.config.faults.size() == faulty.config.faults.size());
  for (std::size_t i = 0; i < again.config.faults.size(); ++i) {
    CHECK(again.config.faults[i].kind == faulty.config.faults[i].kind);
    CHECK(again.config.faults[i].factor == faulty.config.faults[i].factor);
    CHECK(again.config.faults[i].at == faulty.config.faults[i].at);
  }
  CHECK(tools::run_scenario(again, 3).trace_hash == tools::run_scenario(faulty, 3).trace_hash);
}
