// Runs one scenario for one seed with every checker on, and reports what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/metrics.h"
#include "sim/node_host.h"
#include "sim/simulation.h"
#include "tools/scenario/scenario.h"

namespace tools {

// unknown: no checker fired but the client history check reached a limit (issue 14): neither a pass nor a
// violation, reported as such (exit code 4), never folded into pass.
enum class Outcome : std::uint8_t { pass = 0, safety_violation = 1, liveness_violation = 2, unknown = 3 };

// Documented exit codes (README): 0 pass, 1 safety violation, 2 liveness violation, 3 usage or input error,
// 4 unknown (a history check that reached its limit, in `run` or `check`).
inline constexpr int kExitPass = 0;
inline constexpr int kExitSafety = 1;
inline constexpr int kExitLiveness = 2;
inline constexpr int kExitUsage = 3;
inline constexpr int kExitUnknown = 4;  // the history check reached a limit: neither verdict

int exit_code(Outcome outcome);
const char* outcome_name(Outcome outcome);
// The outcome as it is written in JSON results and failure records: "pass", "safety_violation",
// "liveness_violation" or "unknown".
const char* outcome_code(Outcome outcome);
// The worse of two outcomes (safety > liveness > unknown > pass), for runs over many seeds.
Outcome worst(Outcome a, Outcome b);

struct RunOptions {
  std::string trace_path;    // JSON Lines trace, if not empty
  std::string history_path;  // JSON Lines client history, if not empty
  // Keep the events with time in [capture_from_us, capture_to_us] (formatted, at most capture_max).
  std::int64_t capture_from_us = 0;
  std::int64_t capture_to_us = -1;  // < capture_from_us: capture nothing
  std::size_t capture_max = 2000;
  bool keep_all_events = false;  // every event, raw (for --check-determinism)
  bool check_linearizability = true;  // check the client history at the end of the run
  // The history check's limit in search steps, not seconds, so that its verdict never depends on the
  // machine (a few seconds of search; the shipped scenarios' histories need far fewer).
  std::uint64_t linearizability_steps_max = 200'000'000;
  // expect.availability "relative": the run under test is the correct build itself (the reference Raft
  // without planted bugs), so it is its own baseline and no second run is needed (run_scenario sets it).
  bool baseline_is_self = false;
};

struct RunResult {
  std::uint64_t seed = 0;
  Outcome outcome = Outcome::pass;  // what the checkers found
  // Whether the run is a success: the outcome judged against the scenario's expectation. A missing
  // expected violation counts as a safety failure (the harness lost its power to find it), a broken
  // metric bound as a liveness failure. Without an expectation, verdict == outcome.
  Outcome verdict = Outcome::pass;
  std::string verdict_note;  // why the verdict differs from the outcome
  std::string nemesis;       // what the random nemesis drew for this seed, if it ran
  std::string linearizability;  // the history check's verdict in words ("" if it did not run)
  sim::SimMetrics metrics;
  checkers::RunMetrics run_metrics;  // from the event stream (checkers/metrics.h)
  // expect.availability "relative": the correct build's metrics for the same seed, and what was found.
  std::optional<checkers::RunMetrics> baseline;
  std::string baseline_note;  // why the comparison was not made (the correct build's run failed), if so
  std::uint64_t trace_hash = 0;
  std::int64_t end_time_us = 0;
  std::optional<checkers::Violation> violation;
  std::vector<std::string> recent_events;  // formatted, oldest first; filled on a violation
  std::vector<std::string> captured_events;  // see RunOptions::capture_*
  std::vector<sim::TraceEvent> all_events;   // see RunOptions::keep_all_events
  std::unique_ptr<sim::LabelNames> labels;   // names for the events above (the implementation's)
  double wall_seconds = 0.0;
  double cpu_seconds = 0.0;  // CPU time of this run (its thread's clock), not wall time
};

// The name of the finding made when the implementation under test crashes (an abort, a segfault, an
// uncaught exception) or exceeds the per-seed CPU limit: a safety outcome, since the run lost its node.
inline constexpr const char* kImplementationError = "implementation-error";

// How run_seeds protects a campaign from the Raft it tests (issue 13 item 5): every batch of seeds runs in
// a forked child that sends its results back over a pipe, under a CPU limit per seed. A child that dies
// or hangs turns its seed in flight into an implementation-error finding; the rest of its batch runs in
// a fresh child.
struct Isolation {
  bool enabled = true;
  double seed_cpu_seconds_max = 120;  // per seed (RLIMIT_CPU in the child, whole seconds, rounded up)
  std::size_t seeds_per_child = 16;   // a fork costs about what one small seed does (README)
};

// Judges a run's outcome and metrics against an expectation: sets verdict and verdict_note.
void judge(const Expectation& expect, RunResult& result);

// What found a failing run: its violation's checker, else "availability" (expect.availability relative),
// "metric-bound" (expect.metrics) or "expectation" (an expected violation missing).
std::string finding_name(const RunResult& result);

// Builds an implementation through the registry (tools/registry/implementations.h). Throws
// std::invalid_argument for an unknown implementation (naming the registered ones), bugs it cannot plant,
// or a command it cannot run.
std::unique_ptr<sim::NodeFactory> make_factory(const std::string& impl, const std::vector<std::string>& bugs = {},
                                               const std::vector<std::string>& command = {});
std::unique_ptr<sim::NodeFactory> make_factory(const Scenario& scenario);  // its impl, bugs and command

// Throws std::runtime_error if an output file cannot be written.
RunResult run_scenario(const Scenario& scenario, std::uint64_t seed, const RunOptions& options = {});
// The same with a given implementation (tests plant misbehaving nodes this way).
RunResult run_scenario_with(const Scenario& scenario, std::uint64_t seed, sim::NodeFactory& factory,
                            const RunOptions& options = {});

// Runs `seeds` of one scenario on `jobs` threads (each simulation single-threaded, sharing nothing);
// results in seed order. `on_done` (may be empty) hears each finished run, one call at a time, in
// completion order (for progress lines).
// With isolation on (the default), the seeds run in forked children, `jobs` at a time.
// After an interrupt (tools/runner/interrupt.h) no new seed starts: the result then holds only the seeds that
// finished (still in seed order); the caller compares sizes to name the seeds lost.
std::vector<RunResult> run_seeds(const Scenario& scenario, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                                 const std::function<void(const RunResult&)>& on_done = {},
                                 const Isolation& isolation = {});

// The command that reproduces a run.
std::string reproduce_command(const Scenario& scenario, std::uint64_t seed);

}  // namespace tools
