// Faults fired by node events ("on"): parsing, the round trip through the scenario writer, and firing at
// exactly the event they wait for.
#include <catch2/catch.hpp>

#include <string>

#include "reports/event_format.h"
#include "tools/scenario/input_error.h"
#include "tools/nemesis/nemesis.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_writer.h"

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string error_of(const std::string& text) {
  try {
    tools::parse_scenario(text, "t.json");
  } catch (const tools::InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError for " << text);
  return {};
}

// A crash of whichever node first truncates its log, restarted 300 ms later; a leader isolated so that a
// truncation happens (its uncommitted entries are overwritten when it rejoins).
constexpr const char* kCrashOnTruncate = R"({
  "cluster": { "nodes": 3 },
  "workload": { "clients": 2 },
  "duration_ms": 4000,
  "faults": [
    { "at_ms": 500, "action": "isolate", "nodes": ["leader"], "duration_ms": 1000 },
    { "at_ms": 0, "action": "crash", "nodes": ["triggering"], "on": { "event": "log-truncate" }, "duration_ms": 300 }
  ]
})";

}  // namespace

TEST_CASE("triggers: a fault waits for its event, then hits the node that emitted it") {
  const tools::Scenario s = tools::parse_scenario(kCrashOnTruncate, "t.json");
  REQUIRE(s.config.faults.size() == 4);
  tools::RunOptions options;
  options.keep_all_events = true;
  const tools::RunResult r = tools::run_scenario(s, 1, options);
  CHECK(r.outcome == tools::Outcome::pass);
  // The first truncation is followed, at the same instant and before any other node's step, by the
  // crash of the node that truncated.
  std::int32_t truncated = -1;
  std::int64_t truncated_us = -1;
  bool crashed_right_after = false;
  for (const sim::TraceEvent& e : r.all_events) {
    if (truncated < 0 && e.kind == sim::EventKind::log_truncate) {
      truncated = e.node;
      truncated_us = e.time_us;
    } else if (truncated >= 0 && e.kind == sim::EventKind::crash) {
      crashed_right_after = e.node == truncated && e.time_us == truncated_us;
      break;
    }
  }
  REQUIRE(truncated >= 0);
  CHECK(crashed_right_after);
  CHECK(r.metrics.crashes == 1);
  CHECK(r.metrics.restarts == 1);
}

TEST_CASE("triggers: without its event the fault never fires") {
  std::string text = kCrashOnTruncate;
  text.replace(text.find(R"({ "at_ms": 500, "action": "isolate", "nodes": ["leader"], "duration_ms": 1000 },)"),
               std::string(R"({ "at_ms": 500, "action": "isolate", "nodes": ["leader"], "duration_ms": 1000 },)").size(), "");
  const tools::RunResult r = tools::run_scenario(tools::parse_scenario(text, "t.json"), 1);
  CHECK(r.outcome == tools::Outcome::pass);
  CHECK(r.metrics.crashes == 0);
}

TEST_CASE("triggers: the scenario writer keeps them") {
  const tools::Scenario s = tools::parse_scenario(kCrashOnTruncate, "t.json");
  const std::string written = tools::scenario_to_json(s).dump();
  CHECK(contains(written, R"("on":{"event":"log-truncate","nth":1})"));
  CHECK(contains(written, R"("nodes":["triggering"])"));
  const tools::Scenario back = tools::parse_scenario(written, "back.json");
  CHECK(tools::run_scenario(s, 3).trace_hash == tools::run_scenario(back, 3).trace_hash);
}

TEST_CASE("triggers: bad input is named") {
  CHECK(contains(error_of(R"({ "faults": [ { "at_ms": 0, "action": "crash", "nodes": ["triggering"] } ] })"),
                 "needs an \"on\""));
  CHECK(contains(error_of(R"({ "faults": [ { "at_ms": 0, "action": "crash", "nodes": [0], "on": { "event": "comit" } } ] })"),
                 "commit"));
  CHECK(contains(error_of(R"({ "faults": [ { "at_ms": 0, "action": "crash", "nodes": [0], "on": { "event": "commit", "role": "leader" } } ] })"),
                 "only a \"role\" event"));
  CHECK(contains(error_of(R"({ "faults": [ { "at_ms": 0, "action": "crash", "nodes": [0], "on": { "event": "vote", "nth": 0 } } ] })"),
                 "nth"));
  CHECK(contains(error_of(R"({ "cluster": { "nodes": 3 }, "faults": [ { "at_ms": 0, "action": "crash", "nodes": [0], "on": { "event": "vote", "node": 5 } } ] })"),
                 "node"));
}

TEST_CASE("triggers: the nemesis draws them from their own stream, so the timed schedule stays") {
  tools::NemesisConfig config;
  config.enabled = true;
  config.swarm = true;
  const tools::NemesisPlan without = tools::expand_nemesis(config, 42, 5, sim::Duration::millis(10'000), 1, sim::FeatureSupport::all());
  config.triggers = true;
  const tools::NemesisPlan with = tools::expand_nemesis(config, 42, 5, sim::Duration::millis(10'000), 1, sim::FeatureSupport::all());
  std::size_t timed = 0, triggered = 0;
  for (const sim::Fault& f : with.faults) {
    if (f.trigger) ++triggered;
    if (!f.trigger && f.undoes == 0) ++timed;
  }
  std::size_t timed_without = 0;
  for (const sim::Fault& f : without.faults) timed_without += f.undoes == 0 ? 1 : 0;
  CHECK(triggered >= 1);
  CHECK(triggered <= 3);
  CHECK(timed == timed_without);
  CHECK(contains(with.description, "triggered: "));
}
