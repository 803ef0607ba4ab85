// Scenario files: strict parsing, resolved values, and error messages that name the file, the field path
// and what was expected.
#include <catch2/catch.hpp>

#include <cctype>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tools/scenario/input_error.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_limits.h"
#include "tools/scenario/scenario_writer.h"

namespace {

constexpr const char* kFile = "test.json";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The message of the InputError that parsing `text` throws; fails the test if it throws nothing (or
// anything else).
std::string error_of(const std::string& text) {
  try {
    tools::parse_scenario(text, kFile);
  } catch (const tools::InputError& e) {
    return e.what();
  }
  FAIL("expected tools::InputError for: " << text);
  return {};
}

// "test.json:12: x" -> "test.json: x" (the line is checked in its own test below).
std::string without_line_number(const std::string& what) {
  const std::string prefix = std::string(kFile) + ":";
  if (what.rfind(prefix, 0) != 0) return what;
  std::size_t i = prefix.size();
  while (i < what.size() && std::isdigit(static_cast<unsigned char>(what[i]))) ++i;
  return i > prefix.size() ? std::string(kFile) + what.substr(i) : what;
}

// Every error names the file, the line (when the field is in the file) and the field path up front:
// "test.json:<line>: <path>: <expectation>".
void check_error(const std::string& text, const std::string& path, const std::vector<std::string>& expectations) {
  const std::string what = error_of(text);
  INFO("scenario: " << text);
  INFO("error: " << what);
  CHECK(without_line_number(what).rfind(std::string(kFile) + ": " + path + ": ", 0) == 0);
  for (const auto& e : expectations) CHECK(contains(what, e));
}

std::int64_t us(const sim::Duration& d) { return d.us; }

}  // namespace

TEST_CASE("scenario: an empty object resolves to the defaults", "[scenario]") {
  const tools::Scenario s = tools::parse_scenario("{}", kFile);
  const sim::SimConfig defaults;
  CHECK(s.file == kFile);
  CHECK(s.name == "test");  // the file name's stem
  CHECK(s.description.empty());
  CHECK(s.impl == "reference");
  CHECK(s.config.nodes == defaults.nodes);
  CHECK(s.config.nodes == 5);
  CHECK(us(s.config.timing.election_timeout_min) == 150'000);
  CHECK(us(s.config.timing.election_timeout_max) == 300'000);
  CHECK(us(s.config.timing.heartbeat_interval) == 50'000);
  CHECK(s.config.timing.max_entries_per_append == defaults.timing.max_entries_per_append);
  CHECK(s.config.network.drop_probability == 0.0);
  CHECK(s.config.network.duplicate_probability == 0.0);
  CHECK(us(s.config.network.latency.min) == us(defaults.network.latency.min));
  CHECK(us(s.config.network.latency.max) == us(defaults.network.latency.max));
  CHECK(s.config.workload.clients == defaults.workload.clients);
  CHECK(s.config.workload.keys == defaults.workload.keys);
  CHECK(us(s.config.duration) == us(defaults.duration));
  CHECK(s.config.liveness == defaults.liveness);
  CHECK(us(s.config.liveness_window) == us(defaults.liveness_window));
  CHECK(us(s.config.timer_granularity) == 0);
  CHECK(s.config.faults.empty());
}

TEST_CASE("scenario: // and /* */ comments are allowed", "[scenario]") {
  const tools::Scenario s = tools::parse_scenario(R"(// a line comment before everything
    /* a block
       comment */
    {
      "cluster": { /* inline */ "nodes": 3 }, // trailing
      "duration_ms": 1234 // last
    }
    // after everything
  )",
                                                  kFile);
  CHECK(s.config.nodes == 3);
  CHECK(us(s.config.duration) == 1'234'000);
}

TEST_CASE("scenario: a full scenario with every fault action parses to the right values", "[scenario]") {
  const tools::Scenario s = tools::parse_scenario(R"({
    "name": "full",
    "description": "every field set",
    "cluster": { "nodes": 5, "impl": "reference" },
    "raft": { "election_timeout_ms_min": 100, "election_timeout_ms_max": 250.5, "heartbeat_interval_ms": 20,
              "max_entries_per_append": 8 },
    "network": { "latency": { "kind": "exponential", "min_ms": 1, "max_ms": 10, "mean_ms": 3 },
                 "drop_probability": 0.05, "duplicate_probability": 0.01 },
    "disk": { "write_latency": { "kind": "fixed", "min_ms": 0.1, "max_ms": 0.1 },
              "fsync_latency": { "kind": "bimodal", "min_ms": 1, "max_ms": 2, "tail_probability": 0.1,
                                 "tail_min_ms": 30, "tail_max_ms": 60 } },
    "timers": { "granularity_ms": 1 },
    "workload": { "clients": 4, "keys": 10, "mix": { "get": 1, "put": 2, "append": 3, "cas": 4 },
                  "request_timeout_ms": 500, "think_time_ms": 5, "retry_backoff_ms": 2,
                  "latency": { "kind": "uniform", "min_ms": 0.25, "max_ms": 0.75 } },
    "duration_ms": 8000,
    "liveness": { "enabled": true, "window_ms": 4000 },
    "faults": [
      { "at_ms": 3000, "action": "heal" },
      { "at_ms": 1000, "action": "partition", "groups": [[0, 1], [2, 3, 4]] },
      { "at_ms": 1000, "action": "isolate", "nodes": ["leader"] },
      { "at_ms": 1500.5, "action": "block", "from": [0], "to": [1, 2] },
      { "at_ms": 2000, "action": "unblock", "from": [0], "to": [1, "leader"] },
      { "at_ms": 0, "action": "crash", "nodes": [4] },
      { "at_ms": 4000, "action": "restart", "nodes": [4] },
      { "at_ms": 3000, "action": "pause", "nodes": [1, 3] },
      { "at_ms": 8000, "action": "resume", "nodes": [3, 1] }
    ]
  })",
                                                  kFile);
  const sim::SimConfig& c = s.config;
  CHECK(s.name == "full");
  CHECK(s.description == "every field set");
  CHECK(s.impl == "reference");
  CHECK(c.nodes == 5);
  CHECK(us(c.timing.election_timeout_min) == 100'000);
  CHECK(us(c.timing.election_timeout_max) == 250'500);
  CHECK(us(c.timing.heartbeat_interval) == 20'000);
  CHECK(c.timing.max_entries_per_append == 8);

  CHECK(c.network.latency.kind == sim::LatencyModel::Kind::exponential);
  CHECK(us(c.network.latency.min) == 1'000);
  CHECK(us(c.network.latency.max) == 10'000);
  CHECK(us(c.network.latency.mean) == 3'000);
  CHECK(c.network.drop_probability == Approx(0.05));
  CHECK(c.network.duplicate_probability == Approx(0.01));

  CHECK(c.disk.write_latency.kind == sim::LatencyModel::Kind::fixed);
  CHECK(us(c.disk.write_latency.min) == 100);
  CHECK(c.disk.fsync_latency.kind == sim::LatencyModel::Kind::bimodal);
  CHECK(us(c.disk.fsync_latency.min) == 1'000);
  CHECK(us(c.disk.fsync_latency.max) == 2'000);
  CHECK(c.disk.fsync_latency.tail_probability == Approx(0.1));
  CHECK(us(c.disk.fsync_latency.tail_min) == 30'000);
  CHECK(us(c.disk.fsync_latency.tail_max) == 60'000);
  CHECK(us(c.timer_granularity) == 1'000);

  CHECK(c.workload.clients == 4);
  CHECK(c.workload.keys == 10);
  CHECK(c.workload.mix.get == 1);
  CHECK(c.workload.mix.put == 2);
  CHECK(c.workload.mix.append == 3);
  CHECK(c.workload.mix.cas == 4);
  CHECK(us(c.workload.request_timeout) == 500'000);
  CHECK(us(c.workload.think_time) == 5'000);
  CHECK(us(c.workload.retry_backoff) == 2'000);
  CHECK(us(c.workload.latency.min) == 250);
  CHECK(us(c.workload.latency.max) == 750);

  CHECK(us(c.duration) == 8'000'000);
  CHECK(c.liveness);
  CHECK(us(c.liveness_window) == 4'000'000);

  using K = sim::Fault::Kind;
  using R = sim::NodeRef::Kind;
  REQUIRE(c.faults.size() == 9);
  // Sorted by time; equal times keep the file's order (partition before isolate, heal before pause).
  const std::vector<K> kinds = {K::crash, K::partition, K::isolate, K::block, K::unblock,
                                K::heal,  K::pause,     K::restart, K::resume};
  const std::vector<std::int64_t> times = {0,         1'000'000, 1'000'000, 1'500'500, 2'000'000,
                                           3'000'000, 3'000'000, 4'000'000, 8'000'000};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    INFO("fault " << i);
    CHECK(c.faults[i].kind == kinds[i]);
    CHECK(c.faults[i].at.us == times[i]);
  }

  const sim::Fault& crash = c.faults[0];
  REQUIRE(crash.nodes.size() == 1);
  CHECK(crash.nodes[0].kind == R::index);
  CHECK(crash.nodes[0].index == 4);
  CHECK(crash.groups.empty());
  CHECK(crash.from.empty());

  const sim::Fault& partition = c.faults[1];
  REQUIRE(partition.groups.size() == 2);
  REQUIRE(partition.groups[0].size() == 2);
  REQUIRE(partition.groups[1].size() == 3);
  CHECK(partition.groups[0][0].index == 0);
  CHECK(partition.groups[0][1].index == 1);
  CHECK(partition.groups[1][0].index == 2);
  CHECK(partition.groups[1][1].index == 3);
  CHECK(partition.groups[1][2].index == 4);
  CHECK(partition.nodes.empty());

  const sim::Fault& isolate = c.faults[2];
  REQUIRE(isolate.nodes.size() == 1);
  CHECK(isolate.nodes[0].kind == R::leader);

  const sim::Fault& block = c.faults[3];
  REQUIRE(block.from.size() == 1);
  REQUIRE(block.to.size() == 2);
  CHECK(block.from[0].index == 0);
  CHECK(block.to[0].index == 1);
  CHECK(block.to[1].index == 2);
  CHECK(block.to[1].kind == R::index);

  const sim::Fault& unblock = c.faults[4];
  REQUIRE(unblock.to.size() == 2);
  CHECK(unblock.to[0].kind == R::index);
  CHECK(unblock.to[0].index == 1);
  CHECK(unblock.to[1].kind == R::leader);

  const sim::Fault& heal = c.faults[5];
  CHECK(heal.nodes.empty());
  CHECK(heal.groups.empty());

  const sim::Fault& pause = c.faults[6];
  REQUIRE(pause.nodes.size() == 2);
  CHECK(pause.nodes[0].index == 1);
  CHECK(pause.nodes[1].index == 3);

  const sim::Fault& resume = c.faults[8];
  REQUIRE(resume.nodes.size() == 2);
  CHECK(resume.nodes[0].index == 3);  // the file's order, not sorted
  CHECK(resume.nodes[1].index == 1);

  const std::string described = tools::describe_scenario(s);
  CHECK(contains(described, "5 nodes"));
  CHECK(contains(described, "partition groups [0,1] [2,3,4]"));
  CHECK(contains(described, "isolate leader"));
  CHECK(contains(described, "at 1500.5ms: block 0 -> 1,2"));
}

TEST_CASE("scenario: the liveness check can be disabled, which allows zero clients", "[scenario]") {
  const tools::Scenario s =
      tools::parse_scenario(R"({ "workload": { "clients": 0 }, "liveness": { "enabled": false } })", kFile);
  CHECK(s.config.workload.clients == 0);
  CHECK_FALSE(s.config.liveness);
}

TEST_CASE("scenario: unknown keys are errors with a did-you-mean suggestion", "[scenario][errors]") {
  SECTION("top level") {
    check_error(R"({ "duraton_ms": 100 })", "duraton_ms",
                {"unknown field", "did you mean \"duration_ms\"", "known fields here"});
  }
  SECTION("nested") {
    check_error(R"({ "raft": { "election_timeout_min_ms": 100 } })", "raft.election_timeout_min_ms",
                {"unknown field", "election_timeout_ms_min"});
  }
  SECTION("deeply nested") {
    check_error(R"({ "network": { "latency": { "kind": "fixed", "mn_ms": 1 } } })", "network.latency.mn_ms",
                {"unknown field", "did you mean \"min_ms\""});
  }
  SECTION("no suggestion for a word unlike any field") {
    const std::string what = error_of(R"({ "zzzzzzzzzzzzzzzz": 1 })");
    CHECK(contains(without_line_number(what), "test.json: zzzzzzzzzzzzzzzz: unknown field"));
    CHECK_FALSE(contains(what, "did you mean"));
  }
  SECTION("a field of another action in a fault") {
    check_error(R"({ "faults": [ { "at_ms": 1, "action": "heal", "nodes": [0] } ] })", "faults[0].nodes",
                {"unknown field"});
  }
}

TEST_CASE("scenario: values of the wrong type or out of range are errors", "[scenario][errors]") {
  SECTION("string for an integer") {
    check_error(R"({ "cluster": { "nodes": "five" } })", "cluster.nodes", {"expected an integer", "found a string"});
  }
  SECTION("fraction for an integer") {
    check_error(R"({ "cluster": { "nodes": 2.5 } })", "cluster.nodes", {"expected an integer", "found a number"});
  }
  SECTION("zero nodes") {
    check_error(R"({ "cluster": { "nodes": 0 } })", "cluster.nodes", {"expected an integer in [1, 31]", "found 0"});
  }
  SECTION("too many nodes") {
    check_error(R"({ "cluster": { "nodes": 32 } })", "cluster.nodes", {"[1, 31]", "found 32"});
  }
  SECTION("a huge unsigned integer") {
    check_error(R"({ "cluster": { "nodes": 18446744073709551615 } })", "cluster.nodes", {"[1, 31]"});
  }
  SECTION("probability above 1") {
    check_error(R"({ "network": { "drop_probability": 1.5 } })", "network.drop_probability",
                {"expected a number in [0, 1]", "found 1.5"});
  }
  SECTION("negative probability") {
    check_error(R"({ "network": { "duplicate_probability": -0.1 } })", "network.duplicate_probability",
                {"expected a number in [0, 1]"});
  }
  SECTION("string for a number") {
    check_error(R"({ "duration_ms": "10s" })", "duration_ms", {"expected a number", "found a string"});
  }
  SECTION("not a boolean") {
    check_error(R"({ "liveness": { "enabled": 1 } })", "liveness.enabled", {"expected true or false"});
  }
  SECTION("not an object") {
    check_error(R"({ "raft": [150, 300] })", "raft", {"expected an object", "found an array"});
  }
  SECTION("top level not an object") {
    check_error(R"([1, 2])", "top level", {"expected an object", "found an array"});
  }
  SECTION("faults not an array") {
    check_error(R"({ "faults": { "at_ms": 1 } })", "faults", {"expected an array", "found an object"});
  }
  SECTION("unknown choice") {
    check_error(R"({ "network": { "latency": { "kind": "unifrom" } } })", "network.latency.kind",
                {"expected one of", "\"uniform\"", "found \"unifrom\"", "did you mean \"uniform\""});
  }
  SECTION("unknown implementation") {
    check_error(R"({ "cluster": { "impl": "mine" } })", "cluster.impl", {"expected one of", "\"reference\"", "found \"mine\""});
  }
}

TEST_CASE("scenario: inconsistent timing is an error", "[scenario][errors]") {
  SECTION("election timeout max below min") {
    check_error(R"({ "raft": { "election_timeout_ms_min": 300, "election_timeout_ms_max": 200 } })",
                "raft.election_timeout_ms_max", {"must be >= election_timeout_ms_min"});
  }
  SECTION("heartbeat equal to the election timeout min") {
    check_error(R"({ "raft": { "election_timeout_ms_min": 100, "election_timeout_ms_max": 200,
                               "heartbeat_interval_ms": 100 } })",
                "raft.heartbeat_interval_ms", {"must be shorter than election_timeout_ms_min"});
  }
  SECTION("heartbeat above the election timeout min") {
    check_error(R"({ "raft": { "heartbeat_interval_ms": 400 } })", "raft.heartbeat_interval_ms",
                {"must be shorter"});
  }
  SECTION("latency max below min") {
    check_error(R"({ "network": { "latency": { "kind": "uniform", "min_ms": 5, "max_ms": 1 } } })",
                "network.latency.max_ms", {"must be >= min_ms (5ms)"});
  }
  SECTION("liveness window no longer than a request timeout") {
    check_error(R"({ "workload": { "request_timeout_ms": 1000, "think_time_ms": 0 }, "liveness": { "window_ms": 1000 } })",
                "liveness.window_ms", {"must be longer than workload.request_timeout_ms"});
  }
  SECTION("a short election timeout with the default heartbeat blames the field the user wrote") {
    check_error(R"({ "raft": { "election_timeout_ms_min": 40, "election_timeout_ms_max": 80 } })",
                "raft.election_timeout_ms_min", {"heartbeat_interval_ms (50ms) must be shorter"});
  }
  SECTION("a request timeout longer than the default liveness window, with no liveness object") {
    check_error(R"({ "workload": { "request_timeout_ms": 6000 } })", "liveness.window_ms",
                {"5000ms is too short", "(6020ms)"});
  }
  SECTION("all operation weights zero") {
    check_error(R"({ "workload": { "mix": { "get": 0, "put": 0, "append": 0, "cas": 0 } } })", "workload.mix",
                {"at least one operation kind"});
  }
}

TEST_CASE("scenario: faults are validated against the cluster and the duration", "[scenario][errors][faults]") {
  SECTION("a node index too large for a signed integer is named as written") {
    check_error(R"({ "faults": [ { "at_ms": 1, "action": "crash", "nodes": [18446744073709551615] } ] })",
                "faults[0].nodes[0]", {"node 18446744073709551615 does not exist"});
  }
  SECTION("a node that does not exist") {
    check_error(R"({ "cluster": { "nodes": 3 }, "faults": [
                     { "at_ms": 10, "action": "crash", "nodes": [2] },
                     { "at_ms": 20, "action": "crash", "nodes": [3] } ] })",
                "faults[1].nodes[0]", {"node 3 does not exist", "0..2"});
  }
  SECTION("a negative node") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "pause", "nodes": [0, -1] } ] })", "faults[0].nodes[1]",
                {"does not exist"});
  }
  SECTION("a node that is neither an index nor \"leader\"") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "isolate", "nodes": ["follower"] } ] })",
                "faults[0].nodes[0]", {"expected a node index (integer) or \"leader\"", "found a string"});
  }
  SECTION("a node in two partition groups") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "partition", "groups": [[0, 1], [2, 1]] } ] })",
                "faults[0].groups[1][1]", {"node 1 is in two groups"});
  }
  SECTION("a partition group naming a missing node") {
    check_error(R"({ "cluster": { "nodes": 3 }, "faults": [ { "at_ms": 10, "action": "partition", "groups": [[0], [5]] } ] })",
                "faults[0].groups[1][0]", {"node 5 does not exist"});
  }
  SECTION("an empty partition group") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "partition", "groups": [[0], []] } ] })",
                "faults[0].groups[1]", {"expected a non-empty array"});
  }
  SECTION("a partition without groups") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "partition" } ] })", "faults[0].groups", {"required"});
  }
  SECTION("a block without a destination") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "block", "from": [0] } ] })", "faults[0].to",
                {"required field is missing"});
  }
  SECTION("an empty node list") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "restart", "nodes": [] } ] })", "faults[0].nodes",
                {"at least one node"});
  }
  SECTION("a fault without at_ms") {
    check_error(R"({ "faults": [ { "at_ms": 5, "action": "heal" }, { "action": "heal" } ] })", "faults[1].at_ms",
                {"required field is missing"});
  }
  SECTION("a fault without an action") {
    check_error(R"({ "faults": [ { "at_ms": 5 } ] })", "faults[0].action", {"required field is missing"});
  }
  SECTION("a fault after the end of the fault phase") {
    check_error(R"({ "duration_ms": 1000, "faults": [ { "at_ms": 1500, "action": "heal" } ] })", "faults[0].at_ms",
                {"within duration_ms (1000)", "found 1500"});
  }
  SECTION("a fault at a negative time") {
    check_error(R"({ "faults": [ { "at_ms": -1, "action": "heal" } ] })", "faults[0].at_ms",
                {"expected a number in"});
  }
  SECTION("an unknown action") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "crsh", "nodes": [0] } ] })", "faults[0].action",
                {"expected one of", "found \"crsh\"", "did you mean \"crash\""});
  }
  SECTION("a fault that is not an object") {
    check_error(R"({ "faults": [ "crash" ] })", "faults[0]", {"expected an object", "found a string"});
  }
}

TEST_CASE("scenario: a fault exactly at duration_ms is allowed", "[scenario][faults]") {
  const tools::Scenario s =
      tools::parse_scenario(R"({ "duration_ms": 1000, "faults": [ { "at_ms": 1000, "action": "heal" } ] })", kFile);
  REQUIRE(s.config.faults.size() == 1);
  CHECK(s.config.faults[0].at.us == 1'000'000);
}

TEST_CASE("scenario: invalid JSON names the file and the line", "[scenario][errors]") {
  const std::string what = error_of("{\n  \"cluster\": {\n    \"nodes\": 5,\n  }\n}\n");
  INFO(what);
  CHECK(what.rfind("test.json: ", 0) == 0);
  CHECK(contains(what, "not valid JSON"));
  CHECK(contains(what, "line 4"));
  CHECK_FALSE(contains(what, "json.exception"));

  const std::string empty = error_of("");
  CHECK(contains(empty, "test.json: "));
  CHECK(contains(empty, "not valid JSON"));
}

TEST_CASE("scenario: liveness with zero clients is an error", "[scenario][errors]") {
  check_error(R"({ "workload": { "clients": 0 } })", "liveness.enabled", {"at least one client", "workload.clients"});
  check_error(R"({ "workload": { "clients": 0 }, "liveness": { "enabled": true } })", "liveness.enabled",
              {"at least one client"});
}

TEST_CASE("scenario: a missing file is an InputError naming the file", "[scenario][errors]") {
  const std::string path = (std::filesystem::temp_directory_path() / "raftsim-no-such-dir" / "missing.json").string();
  try {
    tools::load_scenario_file(path);
    FAIL("expected tools::InputError");
  } catch (const tools::InputError& e) {
    const std::string what = e.what();
    CHECK(what.rfind(path + ": ", 0) == 0);
    CHECK(contains(what, "cannot open"));
  }
}

TEST_CASE("scenario: basic.json resolves to its documented values", "[scenario][shipped]") {
  const tools::Scenario s = tools::load_scenario_file(RAFTSIM_SOURCE_DIR "/scenarios/basic.json");
  CHECK(s.name == "basic");
  CHECK(s.config.nodes == 5);
  CHECK(us(s.config.timing.election_timeout_min) == 150'000);
  CHECK(us(s.config.timing.election_timeout_max) == 300'000);
  CHECK(us(s.config.timing.heartbeat_interval) == 50'000);
  CHECK(s.config.network.latency.kind == sim::LatencyModel::Kind::uniform);
  CHECK(us(s.config.network.latency.min) == 500);
  CHECK(us(s.config.network.latency.max) == 2'000);
  CHECK(s.config.workload.clients == 3);
  CHECK(us(s.config.duration) == 5'000'000);
  CHECK(s.config.liveness);
  CHECK(us(s.config.liveness_window) == 3'000'000);
  CHECK(s.config.faults.empty());
}

TEST_CASE("scenario: every shipped scenario file loads", "[scenario][shipped]") {
  const std::filesystem::path dir = std::filesystem::path(RAFTSIM_SOURCE_DIR) / "scenarios";
  std::vector<std::filesystem::path> files;
  // scenarios/bench: the benchmarks' scenarios (tools/bench/bench_sim.sh), which no scenario test runs.
  for (const auto& folder : {dir, dir / "bench"}) {
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO("scenario file " << f.string());
    try {
      const tools::Scenario s = tools::load_scenario_file(f.string());
      CHECK(s.file == f.string());
      CHECK_FALSE(s.name.empty());
    } catch (const tools::InputError& e) {
      FAIL_CHECK(e.what());
    }
  }
}

TEST_CASE("scenario: errors name the line of the offending field", "[scenario][errors]") {
  const std::string text = "{\n  // a comment with \"quotes\" and a { brace\n  \"cluster\": {\n    \"nodes\": 3\n  },\n"
                           "  /* block\n comment */\n  \"faults\": [\n    { \"at_ms\": 1, \"action\": \"crash\", \"nodes\": [0] },\n"
                           "    { \"at_ms\": 2,\n      \"action\": \"crash\", \"nodes\": [0, 7] }\n  ]\n}\n";
  CHECK(error_of(text).rfind("test.json:11: faults[1].nodes[1]: node 7 does not exist", 0) == 0);
  CHECK(error_of("{\n\n  \"cluster\": { \"nodes\": \"five\" }\n}").rfind("test.json:3: cluster.nodes: expected an integer", 0) == 0);
  CHECK(error_of("{\n  \"duration_ms\": 10,\n  \"duraton_ms\": 5\n}").rfind("test.json:3: duraton_ms: unknown field", 0) == 0);
}

TEST_CASE("scenario: checkers.disable names standard checkers, typos and repeats are errors", "[scenario][errors]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "checkers": { "disable": ["commit-current-term"] } })", kFile);
  CHECK(s.disabled_checkers == std::vector<std::string>{"commit-current-term"});
  const std::string typo = error_of(R"({ "checkers": { "disable": ["comit-quorum"] } })");
  CHECK(contains(typo, "checkers.disable[0]"));
  CHECK(contains(typo, "did you mean \"commit-quorum\""));
  CHECK(contains(error_of(R"({ "checkers": { "disable": ["liveness", "liveness"] } })"), "listed twice"));
  CHECK(contains(error_of(R"({ "checkers": { "disable": [3] } })"), "expected a checker name"));
  CHECK(contains(error_of(R"({ "checkers": { "disabled": [] } })"), "did you mean \"disable\""));
}

TEST_CASE("scenario: swarm_config draws per-seed knobs into the expanded scenario, reproducibly", "[scenario]") {
  const tools::Scenario s = tools::parse_scenario(
      R"({ "nemesis": { "swarm": true, "swarm_config": true }, "raft": { "election_timeout_ms_min": 100 } })", kFile);
  CHECK(s.nemesis.swarm_config);
  std::set<std::uint32_t> entries;
  std::set<std::uint32_t> clients;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::string drawn;
    const tools::Scenario e = tools::expand_for_seed(s, seed, &drawn);
    CHECK_FALSE(e.nemesis.swarm_config);  // applied: the expanded scenario carries the values themselves
    CHECK(contains(drawn, "entries per append"));
    const auto& t = e.config.timing;
    CHECK(t.election_timeout_max > t.election_timeout_min);
    CHECK(t.election_timeout_max.us <= 2 * t.election_timeout_min.us);
    entries.insert(t.max_entries_per_append);
    clients.insert(e.config.workload.clients);
    const tools::Scenario again = tools::expand_for_seed(s, seed);
    CHECK(again.config.timing.max_entries_per_append == t.max_entries_per_append);
    CHECK(again.config.workload.clients == e.config.workload.clients);
    CHECK(again.config.timing.election_timeout_max == t.election_timeout_max);
  }
  CHECK(entries.size() >= 3);  // the knobs do vary
  CHECK(clients.size() >= 2);
  // Without swarm_config nothing but the faults changes.
  const tools::Scenario plain = tools::parse_scenario(R"({ "nemesis": { "swarm": true } })", kFile);
  CHECK(tools::expand_for_seed(plain, 7).config.timing.max_entries_per_append == plain.config.timing.max_entries_per_append);
}

TEST_CASE("scenario: raft.max_inflight_appends is read, bounded, and refused by implementations without a window", "[scenario][errors]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "raft": { "max_inflight_appends": 7 } })", kFile);
  CHECK(s.config.timing.max_inflight_appends == 7);
  CHECK(tools::parse_scenario("{}", kFile).config.timing.max_inflight_appends == sim::RaftTiming{}.max_inflight_appends);
  SECTION("zero would never send an entry") {
    check_error(R"({ "raft": { "max_inflight_appends": 0 } })", "raft.max_inflight_appends", {"[1, 65536]"});
  }
  SECTION("not an integer") {
    check_error(R"({ "raft": { "max_inflight_appends": 2.5 } })", "raft.max_inflight_appends", {"integer"});
  }
  SECTION("libraft has no window to set") {
    check_error(R"({ "cluster": { "impl": "libraft" }, "raft": { "max_inflight_appends": 8 } })",
                "raft.max_inflight_appends", {"only \"reference\""});
  }
}

TEST_CASE("scenario: swarm_config draws the flow-control window for the reference Raft only, after the other knobs", "[scenario]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "nemesis": { "swarm": true, "swarm_config": true } })", kFile);
  tools::Scenario lib = s;
  lib.impl = "libraft";
  std::set<std::uint32_t> windows;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const tools::Scenario e = tools::expand_for_seed(s, seed);
    windows.insert(e.config.timing.max_inflight_appends);
    // libraft has no window: it keeps the default, and every other knob is drawn the same (the window is
    // the last draw of the stream, so the draws before it did not move).
    const tools::Scenario l = tools::expand_for_seed(lib, seed);
    CHECK(l.config.timing.max_inflight_appends == sim::RaftTiming{}.max_inflight_appends);
    CHECK(l.config.timing.max_entries_per_append == e.config.timing.max_entries_per_append);
    CHECK(l.config.workload.clients == e.config.workload.clients);
    CHECK(l.config.timing.election_timeout_max == e.config.timing.election_timeout_max);
  }
  CHECK(windows.size() >= 4);  // small windows that fill, and the default
  CHECK(windows.count(1) == 1);
  CHECK(windows.count(sim::RaftTiming{}.max_inflight_appends) == 1);
}

TEST_CASE("scenario: fail_disk_writes parses to a disk_errors fault and its undo", "[scenario][faults]") {
  const tools::Scenario s = tools::parse_scenario(R"({ "faults": [
      { "at_ms": 100, "action": "fail_disk_writes", "nodes": ["leader", 2], "duration_ms": 50 },
      { "at_ms": 300, "action": "fail_disk_writes", "nodes": [1] },
      { "at_ms": 400, "action": "fail_disk_writes", "nodes": [1], "failing": false } ] })",
                                                  kFile);
  const auto& f = s.config.faults;
  REQUIRE(f.size() == 4);
  CHECK(f[0].kind == sim::Fault::Kind::disk_errors);
  CHECK(f[0].factor == 1.0);
  REQUIRE(f[0].nodes.size() == 2);
  CHECK(f[0].nodes[0].kind == sim::NodeRef::Kind::leader);
  CHECK(f[0].nodes[1].index == 2);
  CHECK(f[1].kind == sim::Fault::Kind::disk_errors);  // the undo, 50 ms later, on exactly those nodes
  CHECK(f[1].factor == 0.0);
  CHECK(us(f[1].at - f[0].at) == 50'000);
  CHECK(f[1].undoes == f[0].id);
  CHECK(f[2].factor == 1.0);
  CHECK(f[2].undoes == 0);
  CHECK(f[3].factor == 0.0);
}

TEST_CASE("scenario: fail_disk_writes rejects bad input and implementations that cannot be told", "[scenario][errors][faults]") {
  SECTION("nodes are required") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "fail_disk_writes" } ] })", "faults[0].nodes", {});
  }
  SECTION("a node that does not exist") {
    check_error(R"({ "cluster": { "nodes": 3 }, "faults": [ { "at_ms": 10, "action": "fail_disk_writes", "nodes": [3] } ] })",
                "faults[0].nodes[0]", {"node 3 does not exist"});
  }
  SECTION("failing must be a boolean") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "fail_disk_writes", "nodes": [0], "failing": "yes" } ] })",
                "faults[0].failing", {});
  }
  SECTION("an unknown field") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "fail_disk_writes", "nodes": [0], "factor": 2 } ] })",
                "faults[0].factor", {"unknown field"});
  }
  SECTION("switching the disk back on has no duration to undo") {
    check_error(R"({ "faults": [ { "at_ms": 10, "action": "fail_disk_writes", "nodes": [0], "failing": false, "duration_ms": 5 } ] })",
                "faults[0].duration_ms", {"is not undone after a duration"});
  }
  SECTION("the nemesis kind disk_error needs a weight in range") {
    check_error(R"({ "nemesis": { "kinds": { "disk_error": -1 } } })", "nemesis.kinds.disk_error", {});
  }
  if (tools::find_implementation("process") != nullptr) {
    SECTION("an implementation without Node::on_disk_error is refused at load, for the fault and the nemesis kind") {
      check_error(R"({ "cluster": { "impl": "process", "command": ["/bin/true"] },
                       "faults": [ { "at_ms": 10, "action": "fail_disk_writes", "nodes": [0] } ] })",
                  "faults[0].action", {"cannot receive disk write errors", "process"});
      check_error(R"({ "cluster": { "impl": "process", "command": ["/bin/true"] },
                       "nemesis": { "kinds": { "disk_error": 1 } } })",
                  "nemesis.kinds.disk_error", {"cannot receive disk write errors"});
    }
  }
  SECTION("and again when the command line changes the implementation or what it declares (--impl, --supports)") {
    tools::Scenario s = tools::parse_scenario(R"({ "faults": [ { "at_ms": 1, "action": "crash", "nodes": [0] },
                                                              { "at_ms": 10, "action": "fail_disk_writes", "nodes": [0] } ] })",
                                              kFile);
    CHECK(s.disk_errors_field == "faults[1].action");
    CHECK_NOTHROW(tools::check_scenario_limits(s));
    s.supports = sim::FeatureSupport::all();  // PreVote, CheckQuorum, transfer: no disk write errors
    try {
      tools::check_scenario_limits(s);
      FAIL("a declaration without disk write errors was accepted");
    } catch (const tools::InputError& e) {
      CHECK(e.path() == "faults[1].action");
      CHECK(contains(e.what(), "cannot receive disk write errors"));
    }
  }
}

TEST_CASE("scenario: the nemesis draws disk_error only where named and after the other kinds", "[scenario][faults]") {
  const tools::Scenario plain = tools::parse_scenario(R"({ "nemesis": { "swarm": true } })", kFile);
  const tools::Scenario named = tools::parse_scenario(R"({ "nemesis": { "kinds": { "disk_error": 1, "crash_node": 1 } } })", kFile);
  bool drew_disk_errors = false;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const sim::Fault& f : tools::expand_for_seed(plain, seed, nullptr).config.faults) {
      CHECK(f.kind != sim::Fault::Kind::disk_errors);  // never unless named
    }
    for (const sim::Fault& f : tools::expand_for_seed(named, seed, nullptr).config.faults) {
      drew_disk_errors = drew_disk_errors || f.kind == sim::Fault::Kind::disk_errors;
    }
  }
  CHECK(drew_disk_errors);
}

TEST_CASE("scenario: nemesis.disk_errors draws write-error windows in some seeds, only where declared", "[scenario][faults]") {
  const tools::Scenario plain = tools::parse_scenario(R"({ "nemesis": { "swarm": true } })", kFile);
  const tools::Scenario drawn = tools::parse_scenario(R"({ "nemesis": { "swarm": true, "disk_errors": true } })", kFile);
  CHECK(drawn.nemesis.disk_errors);
  std::size_t seeds_with_errors = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    const tools::Scenario a = tools::expand_for_seed(plain, seed, nullptr);
    const tools::Scenario b = tools::expand_for_seed(drawn, seed, nullptr);
    std::size_t errors = 0;
    std::vector<sim::Fault> others;  // its own stream: every other fault is drawn as without the switch
    for (const sim::Fault& f : b.config.faults) {
      if (f.kind == sim::Fault::Kind::disk_errors) {
        ++errors;
      } else {
        others.push_back(f);
      }
    }
    CHECK(errors % 2 == 0);  // each window ends
    REQUIRE(others.size() == a.config.faults.size());
    for (std::size_t i = 0; i < others.size(); ++i) {
      CHECK(others[i].kind == a.config.faults[i].kind);
      CHECK(others[i].at == a.config.faults[i].at);
      CHECK(others[i].id == a.config.faults[i].id);
    }
    if (errors > 0) ++seeds_with_errors;
  }
  CHECK(seeds_with_errors >= 4);   // about a quarter of 40
  CHECK(seeds_with_errors <= 20);
  // An implementation that does not declare disk write errors gets none, and is not refused.
  tools::Scenario undeclared = drawn;
  undeclared.supports = sim::FeatureSupport::all();
  CHECK_NOTHROW(tools::check_scenario_limits(undeclared));
  std::string description;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    for (const sim::Fault& f : tools::expand_for_seed(undeclared, seed, &description).config.faults) {
      CHECK(f.kind != sim::Fault::Kind::disk_errors);
    }
    CHECK(description.find("disk errors: off (not supported)") != std::string::npos);
  }
  // The writer keeps the switch.
  CHECK(tools::parse_scenario(tools::scenario_to_json(drawn).dump(), kFile).nemesis.disk_errors);
}
