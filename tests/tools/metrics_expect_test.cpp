// expect.metrics and expect.availability "relative" (docs/scenarios.md, docs/checkers.md): strict
// reading, bounds judged on real runs, and the relative availability rule at its exact edges.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "tools/runner/availability.h"
#include "tools/runner/runner.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_writer.h"

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string error_of(const std::string& text) {
  try {
    tools::parse_scenario(text, "m.json");
  } catch (const tools::InputError& e) {
    return e.what();
  }
  FAIL("expected tools::InputError for: " << text);
  return {};
}

// A small healthy cluster: three nodes, two clients, one second.
std::string small_run(const std::string& expect) {
  return R"({"cluster": {"nodes": 3}, "duration_ms": 1500, "workload": {"clients": 2, "keys": 2},
             "liveness": {"window_ms": 2000}, "expect": )" +
         expect + "}";
}

}  // namespace

TEST_CASE("expect.metrics: unknown names, empty and inverted bounds are input errors", "[scenario][metrics]") {
  const std::string typo = error_of(small_run(R"({"metrics": {"electons": {"max": 3}}})"));
  CHECK(contains(typo, "expect.metrics.electons"));
  CHECK(contains(typo, "did you mean \"elections\"?"));
  CHECK(contains(error_of(small_run(R"({"metrics": {"elections": {}}})")), "expected a bound"));
  CHECK(contains(error_of(small_run(R"({"metrics": {"elections": {"min": 5, "max": 3}}})")), "min <= max"));
  CHECK(contains(error_of(small_run(R"({"metrics": {"elections": {"maximum": 3}}})")), "expect.metrics.elections.maximum"));
  CHECK(contains(error_of(small_run(R"({"metrics": {"elections": 3}})")), "expect.metrics.elections"));
  CHECK(contains(error_of(small_run(R"({"availability": "relativ"})")), "expect.availability"));
}

TEST_CASE("expect.metrics: a bound held passes, a bound broken is a liveness failure naming it", "[scenario][metrics]") {
  const tools::Scenario ok = tools::parse_scenario(
      small_run(R"({"metrics": {"elections": {"max": 50}, "ops_ok": {"min": 1}, "commit_latency_ms_p99": {"max": 1000}}})"),
      "m.json");
  REQUIRE(ok.expect.metrics.size() == 3);
  const tools::RunResult pass = tools::run_scenario(ok, 1);
  CHECK(pass.outcome == tools::Outcome::pass);
  CHECK(pass.verdict == tools::Outcome::pass);
  REQUIRE(pass.run_metrics.elections >= 1);

  const tools::Scenario tight = tools::parse_scenario(small_run(R"({"metrics": {"elections": {"max": 0}}})"), "m.json");
  const tools::RunResult broken = tools::run_scenario(tight, 1);
  CHECK(broken.outcome == tools::Outcome::pass);  // the checkers found nothing: the bound did
  CHECK(broken.verdict == tools::Outcome::liveness_violation);
  CHECK(contains(broken.verdict_note, "metric bound broken: elections was"));
  CHECK(contains(broken.verdict_note, "expected at most 0"));

  const tools::Scenario slow = tools::parse_scenario(small_run(R"({"metrics": {"writes_per_s": {"min": 1e9}}})"), "m.json");
  const tools::RunResult low = tools::run_scenario(slow, 1);
  CHECK(low.verdict == tools::Outcome::liveness_violation);
  CHECK(contains(low.verdict_note, "writes_per_s"));
  CHECK(contains(low.verdict_note, "expected at least 1e+09"));

  // The first form of the field still means what it meant.
  const tools::Scenario legacy = tools::parse_scenario(small_run(R"({"metrics": {"elections_max": 0}})"), "m.json");
  CHECK(tools::run_scenario(legacy, 1).verdict == tools::Outcome::liveness_violation);
}

TEST_CASE("availability relative: the bounds at their edges", "[availability]") {
  checkers::RunMetrics base;
  base.election_timeout_max_us = 300'000;
  base.elections = 4;
  base.split_votes = 1;
  base.leaderless_us = 500'000;
  base.disruptions = {{1'000'000, "crash", 2, 200'000}, {2'000'000, "heal", -1, -1}};
  checkers::RunMetrics run = base;
  run.elections = 2 * 4 + 3;                      // 11: at the bound
  run.split_votes = 2 * 1 + 3;                    // 5
  run.leaderless_us = 2 * 500'000 + 3 * 300'000;  // 1.9 s
  run.disruptions[0].recovery_us = 200'000 + 900'000;
  run.disruptions[1].recovery_us = -1;  // the baseline never recovered there either: not compared
  run.disruptions.push_back({1'500'000, "crash", 0, -1});  // a triggered fault only this run had: not compared
  CHECK(tools::availability_breaches(run, base).empty());

  checkers::RunMetrics more = run;
  more.elections = 12;
  auto b = tools::availability_breaches(more, base);
  REQUIRE(b.size() == 1);
  CHECK(contains(b[0], "elections was 12, expected at most 2 x 4 (the correct build's) + 3 = 11"));

  more = run;
  more.split_votes = 6;
  REQUIRE(tools::availability_breaches(more, base).size() == 1);
  more = run;
  more.leaderless_us += 1;
  b = tools::availability_breaches(more, base);
  REQUIRE(b.size() == 1);
  CHECK(contains(b[0], "leaderless time was 1900.001ms"));
  more = run;
  more.disruptions[0].recovery_us += 1;
  b = tools::availability_breaches(more, base);
  REQUIRE(b.size() == 1);
  CHECK(contains(b[0], "recovery after the crash at 1000.000ms took 1100.001ms"));
  more = run;
  more.disruptions[0].recovery_us = -1;
  b = tools::availability_breaches(more, base);
  REQUIRE(b.size() == 1);
  CHECK(contains(b[0], "until the end of the run"));
}

TEST_CASE("availability relative: a flailing mutant is caught against the correct build, which passes", "[availability]") {
  // Liveness checking off: only the relative bound can catch the storm of fixed election timeouts.
  const std::string text = R"({"cluster": {"nodes": 5BUGS}, "duration_ms": 3000,
      "raft": {"election_timeout_ms_min": 150, "election_timeout_ms_max": 300, "heartbeat_interval_ms": 50},
      "workload": {"clients": 2, "keys": 2}, "liveness": {"enabled": false},
      "expect": {"availability": "relative"}})";
  auto with = [&](const std::string& bugs) {
    std::string t = text;
    t.replace(t.find("BUGS"), 4, bugs);
    return tools::parse_scenario(t, "a.json");
  };
  const tools::RunResult correct = tools::run_scenario(with(""), 3);
  CHECK(correct.verdict == tools::Outcome::pass);
  REQUIRE(correct.baseline.has_value());
  CHECK(correct.baseline->elections == correct.run_metrics.elections);  // its own baseline

  const tools::RunResult flailing = tools::run_scenario(with(R"(, "bugs": ["fixed-election-timeout"])"), 3);
  CHECK(flailing.outcome == tools::Outcome::pass);  // no checker fires: the cluster is safe
  CHECK(flailing.verdict == tools::Outcome::liveness_violation);
  CHECK(contains(flailing.verdict_note, "availability below the correct build's"));
  CHECK(contains(flailing.verdict_note, "elections was"));
  REQUIRE(flailing.baseline.has_value());
  CHECK(flailing.baseline->elections == correct.run_metrics.elections);  // the baseline is the correct build's run
  CHECK(flailing.run_metrics.elections > 2 * flailing.baseline->elections + 3);
}

TEST_CASE("measure: the span is read strictly and window_ bounds need it", "[scenario][metrics]") {
  const std::string base = R"({"cluster": {"nodes": 3}, "duration_ms": 1500, "workload": {"clients": 2, "keys": 2},
                              "liveness": {"window_ms": 2000}, )";
  CHECK(contains(error_of(base + R"("measure": {"from_ms": 100}})"), "measure.to_ms"));
  CHECK(contains(error_of(base + R"("measure": {"from_ms": 900, "to_ms": 900}})"), "must be after from_ms"));
  // The run ends at 1500 + 2000 ms: a span past it is a typo.
  CHECK(contains(error_of(base + R"("measure": {"from_ms": 0, "to_ms": 3501}})"), "measure.to_ms"));
  CHECK(contains(error_of(base + R"("measure": {"from_ms": 0, "to_ms": 100, "form_ms": 3}})"), "measure.form_ms"));
  CHECK(contains(error_of(base + R"("expect": {"metrics": {"window_writes_ok": {"min": 1}}}})"), "needs a \"measure\""));
  const tools::Scenario s = tools::parse_scenario(base + R"("measure": {"from_ms": 100, "to_ms": 3500}})", "m.json");
  REQUIRE(s.measure.has_value());
  CHECK(s.measure->from_us == 100'000);
  CHECK(s.measure->to_us == 3'500'000);
  // A failure record carries the span: the written scenario reads back with it.
  const tools::Scenario back = tools::scenario_from_json(nlohmann::json::parse(tools::scenario_to_json(s).dump()), "r.json");
  REQUIRE(back.measure.has_value());
  CHECK(back.measure->from_us == 100'000);
  CHECK(back.measure->to_us == 3'500'000);
  CHECK_FALSE(tools::scenario_to_json(tools::parse_scenario(base + R"("name": "m"})", "m.json")).contains("measure"));
}

TEST_CASE("measure: a cluster that lost its majority commits nothing during the fault, one with a majority does",
          "[scenario][metrics]") {
  // 3 nodes, 2 (then 1) crash for good at 1000 ms; measured from 1050 ms (replies already on the wire when
  // the crash hit may still complete an entry a majority had) to the end of the fault phase.
  auto run = [](const std::string& crashed) {
    const tools::Scenario s = tools::parse_scenario(
        R"({"cluster": {"nodes": 3}, "duration_ms": 2500, "workload": {"clients": 2, "keys": 2, "request_timeout_ms": 500},
            "faults": [{"at_ms": 1000, "action": "crash", "nodes": )" + crashed + R"(}],
            "liveness": {"enabled": false}, "measure": {"from_ms": 1050, "to_ms": 2500}})",
        "m.json");
    return tools::run_scenario(s, 3);
  };
  const tools::RunResult stalled = run("[1, 2]");
  CHECK(stalled.outcome == tools::Outcome::pass);  // no safety checker speaks
  REQUIRE(stalled.run_metrics.window.has_value());
  CHECK(stalled.run_metrics.window->committed_entries == 0);
  CHECK(stalled.run_metrics.window->writes_ok == 0);
  CHECK(stalled.run_metrics.window->leaderless_us > 0);
  const tools::RunResult serving = run("[2]");
  REQUIRE(serving.run_metrics.window.has_value());
  CHECK(serving.run_metrics.window->committed_entries > 0);
  CHECK(serving.run_metrics.window->writes_ok > 0);
}
