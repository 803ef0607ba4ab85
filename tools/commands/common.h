// Helpers shared by the subcommands.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace commands {

std::vector<std::string> expand_paths(const std::vector<std::string>& paths);
void add_disabled_checkers(tools::Scenario& s, const std::vector<std::string>& names);
// tools::run_seeds with a progress line on a terminal; `on_done` (may be empty) hears each finished seed.
std::vector<tools::RunResult> run_seeds_with_progress(const tools::Scenario& scenario, const std::vector<std::uint64_t>& seeds,
                                                      unsigned jobs, const tools::Isolation& isolation,
                                                      const std::function<void(const tools::RunResult&)>& on_done = {});
// Writes a whole file atomically (tools/runner/atomic_file.h); throws std::runtime_error naming it on failure.
void write_file(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace commands
