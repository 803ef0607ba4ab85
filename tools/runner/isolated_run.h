// Seeds run in forked children, so that the implementation under test can abort, segfault or spin
// without taking the campaign down (issue 13 item 5). A child runs a batch of seeds one after another and
// sends each RunResult back over a pipe as soon as it is done; its stderr goes to a second pipe, whose
// last lines explain a crash. The parent (single-threaded) keeps `jobs` children busy, reads their pipes
// with poll(), and turns a child that dies mid-seed into an implementation-error result for that seed; the
// rest of the batch runs in a fresh child.
//
// The watchdog: before each seed the child sets its RLIMIT_CPU to the CPU it has used plus the per-seed
// limit, so a spinning seed dies of SIGXCPU (a CPU-time limit: the same on a loaded or idle machine). A
// child that sends nothing for much longer in wall time (blocked, not spinning) is killed by the parent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace tools {

std::vector<RunResult> run_seeds_isolated(const Scenario& scenario, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                                          const std::function<void(const RunResult&)>& on_done, const Isolation& isolation);

// One seed in one child, with options (trace and history files are written by the child); `run` with one
// seed and `replay` use it, so that replaying a crash reports the crash again instead of crashing.
RunResult run_one_isolated(const Scenario& scenario, std::uint64_t seed, const RunOptions& options,
                           const Isolation& isolation);

// The result that stands for a seed whose child died: a safety outcome by the implementation-error
// checker, judged against the scenario's expectation.
RunResult implementation_error_result(const Scenario& scenario, std::uint64_t seed, const std::string& what);

// The wire format between child and parent (JSON; only what the parent uses: no raw events).
std::string encode_run_result(const RunResult& r);
RunResult decode_run_result(const std::string& text);

}  // namespace tools
