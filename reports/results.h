// Machine-readable results of `raftsim run` over many seeds: JSON (mergeable across shards) and JUnit XML.
// Plain data only: the command line converts its run results into these.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reports {

struct SeedResult {
  std::uint64_t seed = 0;
  std::string verdict;  // "pass", "safety_violation", "liveness_violation", "unknown" (history check limit)
  std::string outcome;  // what the checkers found, before the scenario's expectation
  std::string checker;  // of the violation, if any
  std::string message;  // why it failed, if it failed
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::uint64_t elections = 0;
  std::uint64_t ops_ok = 0;
  double wall_seconds = 0;
  std::string reproduce;  // the command that reproduces this run
  // The run's metrics (checkers::RunMetrics::to_json) and, with expect.availability "relative", the
  // correct build's for the same seed; null when absent (files written before metrics existed).
  nlohmann::ordered_json metrics;
  nlohmann::ordered_json baseline_metrics;
};

struct ScenarioResults {
  std::string name;
  std::string file;
  std::vector<SeedResult> seeds;  // in seed order
  std::string impl = "reference";    // the implementation that ran (registered name)
  std::vector<std::string> command;  // its process-protocol command line, if any
  // The metrics aggregated over the seeds (checkers::MetricsSummary::to_json); null if absent.
  nlohmann::ordered_json metrics;
};

struct RunResults {
  std::string version;
  std::string shard;  // "I/N", or "" for all seeds
  std::vector<ScenarioResults> scenarios;
};

void write_results_json(std::ostream& out, const RunResults& results);
// Reads a file written by write_results_json (throws std::runtime_error naming the file on bad input).
RunResults read_results_json(const std::string& path);
// Merges shards: scenarios matched by file, seeds combined in seed order (a seed twice is an error).
RunResults merge_results(const std::vector<RunResults>& parts);
void write_junit(std::ostream& out, const RunResults& results);

}  // namespace reports
