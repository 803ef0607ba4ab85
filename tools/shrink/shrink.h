// Shrinking a failure: delta debugging (Zeller & Hildebrandt, "Simplifying and Isolating Failure-Inducing
// Input", 2002) over the failure's explicit fault schedule, then its duration, workload and cluster size,
// keeping the same kind of failure (the same checker). The result is a standalone scenario whose explicit
// schedule reproduces the failure with the recorded seed, ready to commit as a regression test.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tools/runner/failure_record.h"
#include "tools/scenario/scenario.h"

namespace tools {

struct ShrinkStats {
  std::size_t runs = 0;
  std::size_t faults_before = 0, faults_after = 0;  // counting a fault and its undo as one
  double duration_ms_before = 0, duration_ms_after = 0;
  std::uint32_t clients_before = 0, clients_after = 0;
  std::uint32_t nodes_before = 0, nodes_after = 0;
  std::uint32_t keys_before = 0, keys_after = 0;
};

struct ShrinkResult {
  Scenario scenario;  // with `expect` set to the failure it still shows
  std::uint64_t seed = 0;
  std::string signature;  // what was preserved: verdict and checker
  ShrinkStats stats;
};

// `progress` (may be empty) hears one line per accepted step.
ShrinkResult shrink_failure(const FailureRecord& record, const std::function<void(const std::string&)>& progress);

// Writes the shrunk scenario as a file to commit: its description and the command that runs it (with the
// seed) as comments, then the scenario. Throws InputError if the file cannot be written.
void write_shrunk_scenario(const ShrinkResult& result, const std::string& path);

}  // namespace tools
