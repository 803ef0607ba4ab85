// The shared command line of the benchmark programs: [SCENARIO] [--seconds S] [--seeds N] [--checkers-off]
// [--history-check-off].
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/scenario/scenario.h"

namespace tools {

struct BenchArgs {
  std::string path = "scenarios/basic.json";
  double seconds = 60.0;  // simulated seconds of the fault phase
  std::uint64_t seeds = 3;
  bool checkers = true;   // --checkers-off: no online checker, no history check (raftsim_bench only)
  // --history-check-off: the online checkers on, the client history not checked (raftsim_bench only): the
  // difference in CPU time to a run with it is the history check's share.
  bool history_check = true;
  Scenario scenario;      // loaded from path
};

// Parses the arguments and loads the scenario. On a problem, prints a usage or input error naming
// `program` to stderr and returns nullopt (the caller exits with 3).
std::optional<BenchArgs> parse_bench_args(int argc, char** argv, const char* program);

}  // namespace tools
