// Issue 15 ("nothing crashes, nothing is lost"): hostile or mistaken input files are refused at load, with
// the file, the line and the field, instead of crashing, eating memory or being silently misread.
#include <catch2/catch.hpp>

#include <string>

#include "tools/runner/failure_record.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_limits.h"
#include "tools/runner/seed_range.h"

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The InputError parsing `text` as a scenario throws; fails the test if it throws nothing.
tools::InputError scenario_error(const std::string& text) {
  try {
    tools::parse_scenario(text, "s.json");
  } catch (const tools::InputError& e) {
    return e;
  }
  FAIL("expected an InputError for: " << text);
  return tools::InputError("", "", "");
}

tools::InputError record_error(const std::string& text) {
  try {
    tools::parse_failure_record(text, "r.json");
  } catch (const tools::InputError& e) {
    return e;
  }
  FAIL("expected an InputError for: " << text);
  return tools::InputError("", "", "");
}

// A valid failure record, one field per line, with `extra` lines spliced in before the scenario.
std::string record(const std::string& violation_nodes, const std::string& trace_hash, const std::string& scenario,
                   const std::string& extra = "", const std::string& seed = "2") {
  return "{\n"
         "  \"format\": \"raftsim-failure-1\",\n"
         "  \"seed\": " + seed + ",\n" +
         extra +
         "  \"verdict\": \"safety_violation\",\n"
         "  \"trace_hash\": \"" + trace_hash + "\",\n"
         "  \"violation\": {\"checker\": \"log-matching\", \"nodes\": " + violation_nodes + "},\n"
         "  \"scenario\": " + scenario + "\n"
         "}\n";
}

}  // namespace

TEST_CASE("hardening: a well-formed record loads (the base of the record tests below)", "[hardening][record]") {
  const tools::FailureRecord r = tools::parse_failure_record(record("[0, 2]", "00000000deadBEEF", "{}"), "r.json");
  CHECK(r.seed == 2);
  CHECK(r.trace_hash == 0xdeadbeefULL);
  REQUIRE(r.violation);
  CHECK(r.violation->nodes == std::vector<std::int32_t>{0, 2});
}

TEST_CASE("hardening: a duplicate key is an error naming both lines (item 14)", "[hardening][json]") {
  const auto e = scenario_error("{\n\"cluster\": {\"nodes\": 5},\n\"cluster\": {\"nodes\": 3}\n}");
  CHECK(e.path() == "cluster");
  CHECK(e.line() == 3);
  CHECK(contains(e.what(), "lines 2 and 3"));
  const auto nested = scenario_error("{\"raft\": {\n \"heartbeat_interval_ms\": 10,\n \"heartbeat_interval_ms\": 20}}");
  CHECK(nested.path() == "raft.heartbeat_interval_ms");
  CHECK(contains(nested.what(), "lines 2 and 3"));
  const auto in_record = record_error(record("[0]", "0000000000000001", "{}", "  \"seed\": 3,\n"));
  CHECK(in_record.path() == "seed");
  CHECK(contains(in_record.what(), "lines 3 and 4"));
}

TEST_CASE("hardening: number overflow names the file, line and field (item 13)", "[hardening][json]") {
  const auto e = scenario_error("{\n  \"duration_ms\": 1e400\n}");
  CHECK(e.file() == "s.json");
  CHECK(e.line() == 2);
  CHECK(e.path() == "duration_ms");
  const auto in_array = scenario_error("{\"faults\": [\n{\"at_ms\": 1,\n \"action\": \"crash\", \"nodes\": [1e999]}]}");
  CHECK(in_array.path() == "faults[0].nodes[0]");
  CHECK(in_array.line() == 3);
}

TEST_CASE("hardening: a NUL byte is an error, not the end of the input (item 21)", "[hardening][json]") {
  const std::string text = std::string("{\"duration_ms\": 100}\n") + '\0' + "garbage";
  const auto e = scenario_error(text);
  CHECK(contains(e.what(), "NUL"));
  CHECK(e.line() == 2);
}

TEST_CASE("hardening: deep nesting and huge keys are refused before any quadratic work (item 5)", "[hardening][json]") {
  // 20,000 nested arrays in a field took 10 s and 1.4 GB to locate; 100,000 hit bad_alloc.
  const std::string deep = "{\"cluster\": " + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  const auto e = scenario_error(deep);
  CHECK(contains(e.what(), "nested deeper than 64"));
  CHECK(e.line() == 1);
  const std::string long_key = "{\"" + std::string(100'000, 'k') + "\": [1, 2, 3]}";
  CHECK(contains(scenario_error(long_key).what(), "at most 256"));
}

TEST_CASE("hardening: libraft with a heartbeat under 1 ms is refused at load (item 3)", "[hardening][limits]") {
  const auto e = scenario_error("{\"cluster\": {\"impl\": \"libraft\"},\n \"raft\": {\"heartbeat_interval_ms\": 0.5}}");
  CHECK(e.path() == "raft.heartbeat_interval_ms");
  CHECK(e.line() == 2);
  CHECK(contains(e.what(), "at least 1ms"));
  // The reference Raft runs sub-millisecond heartbeats; --impl libraft re-checks (tools/commands/run.cpp).
  tools::Scenario s = tools::parse_scenario("{\"raft\": {\"heartbeat_interval_ms\": 0.5}}", "s.json");
  s.impl = "libraft";
  CHECK_THROWS_AS(tools::check_scenario_limits(s), tools::InputError);
}

TEST_CASE("hardening: a nemesis denser than the fault bound is refused with the numbers (item 7)", "[hardening][limits]") {
  const auto e = scenario_error("{\"duration_ms\": 3600000, \"nemesis\": {\"interval_ms_min\": 1}}");
  CHECK(e.path() == "nemesis.interval_ms_min");
  CHECK(contains(e.what(), "3600001 faults"));
  CHECK(contains(e.what(), "at most 10000"));
  // The shipped fuzz configuration is far inside the bound.
  const tools::Scenario swarm = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/swarm_nemesis.json");
  CHECK(tools::nemesis_faults_worst_case(swarm) < tools::kNemesisFaultsMax / 10);
}

TEST_CASE("hardening: expect.checker must name a checker, with a did-you-mean (item 15)", "[hardening][scenario]") {
  const auto e = scenario_error("{\"expect\": {\"outcome\": \"liveness_violation\", \"checker\": \"livenes\"}}");
  CHECK(e.path() == "expect.checker");
  CHECK(contains(e.what(), "did you mean \"liveness\""));
  CHECK(tools::parse_scenario("{\"expect\": {\"outcome\": \"safety_violation\", \"checker\": \"linearizability\"}}", "s.json")
            .expect.checker == "linearizability");
}

TEST_CASE("hardening: an unknown nemesis kind lists the known kinds (item 16)", "[hardening][scenario]") {
  const auto e = scenario_error("{\"nemesis\": {\"kinds\": {\"partiton\": 1}}}");
  CHECK(e.path() == "nemesis.kinds.partiton");
  CHECK(contains(e.what(), "did you mean \"partition\""));
  CHECK(contains(e.what(), "known fields here: clock_skew"));
  const auto not_for = scenario_error("{\"not_for\": {\"libraf\": \"x\"}}");
  CHECK(contains(not_for.what(), "did you mean \"libraft\""));
}

TEST_CASE("hardening: \"leader\" in two partition groups is an error (item 21)", "[hardening][scenario]") {
  const auto e = scenario_error(
      "{\"faults\": [{\"at_ms\": 1, \"action\": \"partition\", \"groups\": [[\"leader\", 0], [\"leader\", 1]]}]}");
  CHECK(e.path() == "faults[0].groups[1][0]");
  CHECK(contains(e.what(), "two groups"));
}

TEST_CASE("hardening: the record loader names field paths (item 17)", "[hardening][record]") {
  const auto word = record_error(record("[\"one\"]", "0000000000000001", "{}"));
  CHECK(word.path() == "violation.nodes[0]");
  CHECK(word.line() == 6);
  CHECK(contains(record_error(record("[1e20]", "0000000000000001", "{}")).what(), "violation.nodes[0]"));
  CHECK(contains(record_error(record("[99999999999]", "0000000000000001", "{}")).what(), "node index in"));
  const auto hash = record_error(record("[0]", "8e067b32zz", "{}"));
  CHECK(hash.path() == "trace_hash");
  CHECK(contains(hash.what(), "16 hexadecimal digits"));
  CHECK(record_error(record("[0]", "8e067b32a1b2c3d4e5", "{}")).path() == "trace_hash");
}

TEST_CASE("hardening: a record's trace-hash version is 1 when absent, else a positive integer", "[hardening][record]") {
  CHECK(tools::parse_failure_record(record("[0]", "0000000000000001", "{}"), "r.json").trace_hash_version == 1);
  const auto v2 = tools::parse_failure_record(record("[0]", "0000000000000001", "{}", "  \"trace_hash_version\": 2,\n"), "r.json");
  CHECK(v2.trace_hash_version == 2);
  CHECK(tools::trace_hash_comparable(v2));
  const auto zero = record_error(record("[0]", "0000000000000001", "{}", "  \"trace_hash_version\": 0,\n"));
  CHECK(zero.path() == "trace_hash_version");
  CHECK(zero.line() == 4);
  CHECK(record_error(record("[0]", "0000000000000001", "{}", "  \"trace_hash_version\": \"2\",\n")).path() == "trace_hash_version");
}

TEST_CASE("hardening: an error inside a record's scenario names its line in the record (item 17)", "[hardening][record]") {
  const auto e = record_error(record("[0]", "0000000000000001", "{\n    \"name\": \"x\",\n    \"cluster\": {\"nodes\": 0}\n  }"));
  CHECK(e.path() == "scenario.cluster.nodes");
  CHECK(e.line() == 9);
  CHECK(e.file() == "r.json");
}

TEST_CASE("hardening: one seed range, [0, 2^63-1], for every command (item 12)", "[hardening][seeds]") {
  CHECK(tools::parse_seed_range("9223372036854775807", "--seed").first == tools::kSeedMax);
  CHECK_THROWS_AS(tools::parse_seed_range("9223372036854775808", "--seed"), tools::InputError);
  CHECK_THROWS_AS(tools::parse_seed_range("9223372036854775800..9223372036854775808", "--seeds"), tools::InputError);
  CHECK_THROWS_AS(tools::check_seed(tools::kSeedMax + 1, "--first-seed"), tools::InputError);
  try {
    tools::parse_seed_range("-1", "--seed");
    FAIL("accepted -1");
  } catch (const tools::InputError& e) {
    CHECK(contains(e.what(), "[0, 9223372036854775807]"));
  }
  // A record with the largest seed loads (what run writes, replay and shrink read).
  CHECK(tools::parse_failure_record(record("[0]", "0000000000000001", "{}", "", "9223372036854775807"), "r.json").seed ==
        tools::kSeedMax);
  CHECK(record_error(record("[0]", "0000000000000001", "{}", "", "9223372036854775808")).path() == "seed");
}
