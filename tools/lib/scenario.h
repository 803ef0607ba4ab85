// Scenario files: JSON (comments allowed) describing a cluster, its timing, network, disk, workload,
// duration and fault timeline. Loaded strictly: see docs/scenarios.md for the schema.
#pragma once

#include <string>
#include <vector>

#include "sim/simulation.h"

namespace tools {

struct Scenario {
  std::string file;  // where it was loaded from ("<string>" for tests)
  std::string name;
  std::string description;
  std::string impl = "reference";
  sim::SimConfig config;  // seed left at its default; the runner sets it
};

// The Raft implementations a scenario (or --impl) may name.
const std::vector<std::string>& implementations();

// Throws InputError (file, field path, expectation) on any problem.
Scenario load_scenario_file(const std::string& path);
Scenario parse_scenario(const std::string& text, const std::string& file_name);

// The resolved configuration in a few human-readable lines.
std::string describe_scenario(const Scenario& scenario);

}  // namespace tools
