// The host model (issue 12 item 3): timer jitter, staggered starts and processing time break the
// symmetry of ideal machines, each off by default and drawn from a stream of its own.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <unistd.h>

#include "reports/trace_reader.h"
#include "tools/runner/runner.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario.h"

namespace {

namespace fs = std::filesystem;

tools::Scenario scenario(const std::string& name) {
  return tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/" + name);
}

std::vector<sim::TraceEvent> trace_of(const tools::Scenario& s, std::uint64_t seed) {
  const fs::path dir = fs::temp_directory_path() / ("raftsim-host-model-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  tools::RunOptions options{(dir / "t.trace.jsonl").string(), ""};
  tools::run_scenario(s, seed, options);
  std::vector<sim::TraceEvent> events = reports::read_trace_file(options.trace_path).events;
  fs::remove_all(dir);
  return events;
}

// The node an event is an input of (the node whose step it opens), or -1.
std::int32_t input_node(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::EventKind::deliver: return e.peer;
    case sim::EventKind::timer_fired:
    case sim::EventKind::client_request:
    case sim::EventKind::disk_notify: return e.node;
    default: return -1;
  }
}

}  // namespace

TEST_CASE("host model: a fixed-timeout cluster elects a leader on jittery hosts and never on ideal ones") {
  tools::Scenario ideal = scenario("election_storm_fixed.json");
  ideal.expect = {};
  tools::Scenario jittery = scenario("election_fixed_with_jitter.json");
  REQUIRE(jittery.config.host.any());
  REQUIRE_FALSE(ideal.config.host.any());
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    INFO("seed " << seed);
    CHECK(tools::run_scenario(ideal, seed).metrics.leaders_elected == 0);
    CHECK(tools::run_scenario(jittery, seed).metrics.leaders_elected >= 1);
  }
}

TEST_CASE("host model: with a processing time, a node's inputs are at least that far apart") {
  tools::Scenario s = scenario("basic.json");
  s.config.duration = sim::Duration::millis(1500);
  s.config.liveness_window = sim::Duration::millis(1500);  // longer than a request timeout
  const sim::Duration busy = sim::Duration::micros(700);
  s.config.host.processing = sim::LatencyModel{sim::LatencyModel::Kind::fixed, busy, busy};
  const auto events = trace_of(s, 3);
  std::map<std::int32_t, std::int64_t> last_input_us;
  std::size_t inputs = 0, waited_disk = 0;
  for (const auto& e : events) {
    if (e.kind == sim::EventKind::disk_synced && e.b == 1) ++waited_disk;
    const std::int32_t n = input_node(e);
    if (n < 0) continue;
    ++inputs;
    if (auto it = last_input_us.find(n); it != last_input_us.end()) {
      INFO("node " << n << " at " << e.time_us << "us, previous input at " << it->second << "us");
      REQUIRE(e.time_us - it->second >= busy.us);
    }
    last_input_us[n] = e.time_us;
  }
  CHECK(inputs > 100);
  CHECK(waited_disk > 0);  // writes completed while their node was busy are told later (disk_notify)
  // Without the model the same run has inputs closer together: the test can fail.
  s.config.host = {};
  last_input_us.clear();
  bool closer = false;
  for (const auto& e : trace_of(s, 3)) {
    const std::int32_t n = input_node(e);
    if (n < 0) continue;
    if (auto it = last_input_us.find(n); it != last_input_us.end()) closer |= e.time_us - it->second < busy.us;
    last_input_us[n] = e.time_us;
  }
  CHECK(closer);
}

TEST_CASE("host model: staggered starts keep a node silent until its start time") {
  tools::Scenario s = scenario("basic.json");
  s.config.duration = sim::Duration::millis(1500);
  s.config.liveness_window = sim::Duration::millis(1500);  // longer than a request timeout
  s.config.host.start_spread = sim::Duration::millis(400);
  std::map<std::int32_t, std::int64_t> first_send_us;
  for (const auto& e : trace_of(s, 5)) {
    if (e.kind == sim::EventKind::send && !first_send_us.count(e.node)) first_send_us[e.node] = e.time_us;
  }
  REQUIRE(first_send_us.size() == 5);
  std::int64_t latest = 0;
  for (const auto& [node, us] : first_send_us) latest = std::max(latest, us);
  CHECK(latest > 0);  // someone started late (all five at 0 has probability ~0 over a 400ms spread)
  CHECK(tools::run_scenario(s, 5).outcome == tools::Outcome::pass);
}

TEST_CASE("host model: off by default draws nothing, and equal seeds give equal traces with it on") {
  tools::Scenario s = scenario("basic.json");
  s.config.duration = sim::Duration::millis(1000);
  s.config.liveness_window = sim::Duration::millis(1500);  // longer than a request timeout
  const std::uint64_t plain = tools::run_scenario(s, 9).trace_hash;
  s.config.host.start_spread = sim::Duration{};  // an explicit "everything off" is the same run
  CHECK(tools::run_scenario(s, 9).trace_hash == plain);
  s.config.host.timer_jitter = sim::LatencyModel{sim::LatencyModel::Kind::uniform, sim::Duration{}, sim::Duration::millis(3)};
  s.config.host.processing = sim::LatencyModel{sim::LatencyModel::Kind::uniform, sim::Duration::micros(10), sim::Duration::micros(300)};
  const std::uint64_t a = tools::run_scenario(s, 9).trace_hash;
  CHECK(a != plain);
  CHECK(tools::run_scenario(s, 9).trace_hash == a);
  CHECK(tools::run_scenario(s, 10).trace_hash != a);
}

TEST_CASE("host model: a bad host section names the field") {
  const std::string text = R"({"duration_ms": 1000, "host": {"start_spread_ms": 1000}})";
  try {
    tools::parse_scenario(text, "spread.json");
    FAIL("accepted a start spread as long as the run");
  } catch (const tools::InputError& e) {
    CHECK(std::string(e.what()).find("host.start_spread_ms") != std::string::npos);
  }
  try {
    tools::parse_scenario(R"({"host": {"processing": {"kind": "fixd"}}})", "kind.json");
    FAIL("accepted an unknown latency kind");
  } catch (const tools::InputError& e) {
    CHECK(std::string(e.what()).find("host.processing.kind") != std::string::npos);
  }
}

TEST_CASE("host model: a busy node's timers go ahead of its waiting messages (an event loop runs due timers)") {
  tools::Scenario s = scenario("basic.json");
  s.config.duration = sim::Duration::millis(2000);
  s.config.liveness_window = sim::Duration::millis(2000);
  s.config.workload.clients = 40;  // more inputs than a leader at 2 ms each can keep up with: a backlog grows
  const sim::Duration busy = sim::Duration::millis(2);
  s.config.host.processing = sim::LatencyModel{sim::LatencyModel::Kind::fixed, busy, busy};
  constexpr std::uint16_t kHeartbeatSlot = 1;  // raft::TimerKind::heartbeat
  std::map<std::int32_t, std::int64_t> last_heartbeat_us;
  std::map<std::int32_t, std::uint64_t> role;
  std::int64_t longest_gap_us = 0;
  std::size_t heartbeats = 0;
  for (const auto& e : trace_of(s, 1)) {
    if (e.kind == sim::EventKind::role) {
      role[e.node] = e.a;
      last_heartbeat_us.erase(e.node);  // gaps are measured within one leadership
    }
    if (e.kind != sim::EventKind::timer_fired || e.label != kHeartbeatSlot) continue;
    if (role[e.node] != static_cast<std::uint64_t>(sim::Role::leader)) continue;
    ++heartbeats;
    if (auto it = last_heartbeat_us.find(e.node); it != last_heartbeat_us.end()) {
      longest_gap_us = std::max(longest_gap_us, e.time_us - it->second);
    }
    last_heartbeat_us[e.node] = e.time_us;
  }
  CHECK(heartbeats > 10);
  // The interval, the step in progress when the timer fell due, the heartbeat's own step, and rounding:
  // first in, first out behind the waiting messages, heartbeats came hundreds of milliseconds apart.
  INFO("longest gap between a leader's heartbeats " << longest_gap_us << "us");
  CHECK(longest_gap_us <= s.config.timing.heartbeat_interval.us + 3 * busy.us);
}
