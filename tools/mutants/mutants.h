// `raftsim mutants`: how fast does generic fuzzing find each planted bug (raft/bugs.h)? For every mutant,
// several independent seed streams of one scenario (normally the generic swarm configuration) run until
// the first failing seed or the budget; the figure is the median number of seeds to the first detection.
// The first stream's failure is shrunk (its size in faults is reported, and it can be written out as a
// regression scenario). The correct build runs the same streams and must show no failure at all.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

struct MutantsOptions {
  std::uint64_t budget = 2000;        // seeds per stream
  std::uint32_t streams = 5;          // independent seed streams (stream k starts at k * kStreamStride + 1)
  unsigned jobs = 1;
  std::vector<std::string> bugs;      // empty: every planted bug
  bool shrink = true;
  bool check_correct = true;          // also run the correct build over every stream's whole budget
  std::string out_dir = "raftsim-mutants";  // failure records; shrunk regressions if write_regressions
  bool write_regressions = false;
  Isolation isolation;  // seeds in forked children: a mutant that crashes its node is caught, not fatal
};

inline constexpr std::uint64_t kStreamStride = 1'000'000;

struct MutantResult {
  std::string bug;
  std::vector<std::optional<std::uint64_t>> seeds_to_detection;  // per stream; empty: not within the budget
  std::vector<std::string> checkers;                             // per stream: who caught it ("" if none)
  std::optional<double> median_seeds;  // over streams, escapes counting as beyond the budget; none if most escape
  std::string checker;                 // the checker that caught it most often
  std::uint64_t seeds_run = 0;
  double wall_seconds = 0;
  std::optional<std::uint64_t> first_failing_seed;  // in stream 0
  std::string record;                                // its failure record
  std::optional<std::size_t> faults_before_shrink, faults_after_shrink;
  std::string regression;  // the shrunk scenario file, if written
  bool caught_in_every_stream() const;
};

struct CorrectResult {
  std::uint64_t seeds = 0;
  std::uint64_t failures = 0;
  std::vector<std::uint64_t> failing_seeds;  // the first few
  std::map<std::string, std::uint64_t> by_checker;
  double wall_seconds = 0;
};

struct MutantsReport {
  std::string scenario;
  MutantsOptions options;
  std::vector<MutantResult> mutants;
  std::optional<CorrectResult> correct;
  bool pass() const;  // every mutant caught in every stream, and the correct build clean
};

MutantsReport run_mutants(const Scenario& scenario, const MutantsOptions& options,
                          const std::function<void(const std::string&)>& progress);

std::string format_mutants_table(const MutantsReport& report);
std::string mutants_json(const MutantsReport& report);  // raftsim-mutants-1

}  // namespace tools
