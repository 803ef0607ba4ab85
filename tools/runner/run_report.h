// Human-readable output of `raftsim run`: the full report of one run, and one line per scenario for
// many seeds.
#pragma once

#include <string>
#include <vector>

#include "reports/results.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

std::string format_run_report(const Scenario& scenario, const RunResult& result);
// The compact metrics block of the report (checkers/metrics.h), each line starting with a 10-column label.
std::string format_metrics_block(const checkers::RunMetrics& metrics);
// The metrics of many runs, aggregated (for --json).
checkers::MetricsSummary summarize_metrics(const std::vector<RunResult>& results);
reports::SeedResult to_seed_result(const Scenario& scenario, const RunResult& result);

// One line on why a run failed: the unmet expectation, or the violation.
std::string failure_summary(const RunResult& result);

struct SeedBatch {
  const Scenario* scenario = nullptr;
  std::vector<RunResult> results;  // in seed order
};
std::string format_batch_line(const SeedBatch& batch);
std::string format_batch_table(const std::vector<SeedBatch>& batches);

}  // namespace tools
