// `raftsim fuzz`: run a scenario (normally one with a random nemesis) over consecutive seeds for a seed
// count or a wall-time budget, save each distinct failure once (deduplicated by verdict, checker and rule:
// see failure_signature), and keep state on disk so a later call can resume.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

struct FuzzOptions {
  std::string out_dir = "raftsim-fuzz";
  std::uint64_t seeds_max = 1000;  // 0: no seed limit (then time_budget_seconds must be set)
  double time_budget_seconds = 0;  // 0: no time limit
  unsigned jobs = 1;
  bool resume = false;
  std::uint64_t first_seed = 1;
  Isolation isolation;  // each seed in a forked child by default: a crashing Raft is a finding, not the end
};

struct FuzzFinding {
  std::string signature;
  std::uint64_t first_seed = 0;
  std::uint64_t count = 0;
  std::string record;   // the failure record of the first seed that showed it
  std::string summary;  // the first occurrence's violation, in words
};

struct FuzzReport {
  std::uint64_t seeds_run = 0;  // in this call and all earlier ones it resumed
  std::uint64_t next_seed = 1;
  double wall_seconds = 0;      // in this call
  // Seeds that ran but were not counted because an interrupt stopped an earlier seed of their round (they
  // run again on --resume, which starts at next_seed); "" if none.
  std::string interrupted;
  std::vector<FuzzFinding> findings;
};

// The bucket a failure falls into: verdict | checker | rule. The rule is what the message says was broken,
// never its wording or values: the paper section the checker cites ("section 5.4.2, Figure 8"); for an
// implementation-error, the kind of death and the assertion's place ("SIGABRT at raft/log.cpp:50"); else the
// message's first clause with its numbers blanked (its shape). An empty checker is an unmet expectation.
std::string failure_rule(const std::string& checker, const std::string& message);
std::string failure_signature(const std::string& verdict, const std::string& checker, const std::string& message);
std::string failure_signature(const RunResult& result);

FuzzReport fuzz(const Scenario& scenario, const FuzzOptions& options,
                const std::function<void(const std::string&)>& progress);

}  // namespace tools
