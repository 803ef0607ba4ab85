// Scenario files: JSON (comments allowed) describing a cluster, its timing, network, disk, workload,
// duration and fault timeline. Loaded strictly: see docs/scenarios.md for the schema.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "checkers/metrics.h"
#include "sim/simulation.h"
#include "tools/nemesis/nemesis.h"

namespace tools {

// What a scenario asserts about each of its runs (docs/scenarios.md, "Expectations").
struct Expectation {
  enum class Outcome : std::uint8_t { pass, safety_violation, liveness_violation };
  Outcome outcome = Outcome::pass;
  std::string checker;  // if not empty: the violation must come from this checker
  // Bounds on run metrics (checkers/metrics.h metric_names()): {"elections": {"max": 10}}. A bound broken
  // is a liveness failure. The older keys elections_max, leaders_elected_max and ops_ok_min read into these.
  struct MetricBound {
    std::string metric;
    std::optional<double> min;
    std::optional<double> max;
  };
  std::vector<MetricBound> metrics;
  // "availability": "relative": elections, terms without a leader, leaderless time and recovery after
  // each disruption bounded relative to the correct build's run of the same seed (docs/checkers.md).
  bool availability_relative = false;
};

struct Scenario {
  std::string file;  // where it was loaded from ("<string>" for tests)
  std::string name;
  std::string description;
  std::string impl = "reference";
  std::vector<std::string> bugs;  // planted bugs to switch on (the implementation's bug_names; raft/bugs.h)
  // The process protocol's child command line (cluster.command, --command); empty unless given.
  std::vector<std::string> command;
  // What the implementation honours, when the command line declares it (--supports); otherwise the
  // registry's declaration. Decides what nemesis.features may draw.
  std::optional<sim::FeatureSupport> supports;
  // The field of the scenario's first "fail_disk_writes" fault ("faults[i].action"; empty without one), for
  // the error if the implementation cannot receive disk write errors (check_scenario_limits).
  std::string disk_errors_field;
  // Checkers switched off for this scenario ("checkers": {"disable": [...]}): a known finding muted so that
  // runs look for others. Empty in normal use.
  std::vector<std::string> disabled_checkers;
  // Implementations this scenario does not apply to, with the reason ("not_for"); `run` skips them.
  std::map<std::string, std::string> not_for;
  Expectation expect;
  // The seeds `raftsim run` uses when the command line names none ("seed": N or "seeds": "A..B"), inclusive.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seeds;
  NemesisConfig nemesis;
  // "measure": the run metrics are also kept over this span of virtual time (checkers/metrics.h window).
  std::optional<checkers::MeasureWindow> measure;
  sim::SimConfig config;  // seed left at its default; the runner sets it
};

// The Raft implementations a scenario (or --impl) may name: the registered ones, sorted
// (tools/registry/implementations.h).
std::vector<std::string> implementations();

// Throws InputError (file, field path, expectation) on any problem.
Scenario load_scenario_file(const std::string& path);
Scenario parse_scenario(const std::string& text, const std::string& file_name);
// From a parsed document (a failure record's embedded scenario). Errors carry the field path but no line.
Scenario scenario_from_json(const nlohmann::json& root, const std::string& file_name);

// The scenario as it runs for `seed`: the nemesis (if enabled) expanded into explicit faults and switched
// off. `nemesis_description` (if given) receives what the nemesis drew.
Scenario expand_for_seed(const Scenario& scenario, std::uint64_t seed, std::string* nemesis_description = nullptr);

// The resolved configuration in a few human-readable lines.
std::string describe_scenario(const Scenario& scenario);

}  // namespace tools
