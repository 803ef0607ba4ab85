#include "tools/commands/commands.h"

#include <iostream>

#include <fmt/format.h>

#include "tools/commands/common.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/runner/seed_range.h"

namespace commands {

void apply_fuzz_seeds(const std::string& text, bool first_seed_given, tools::FuzzOptions& options) {
  if (text.empty()) return;
  if (text.find("..") == std::string::npos) {
    if (text == "0") {  // no seed limit (with --time-budget)
      options.seeds_max = 0;
      return;
    }
    options.seeds_max = tools::parse_seed_range(text, "--seeds").first;  // a count, in the seeds' own bounds
    return;
  }
  if (first_seed_given) throw tools::InputError("command line", "--seeds", "a range A..B already says where to start: drop --first-seed");
  const tools::SeedRange range = tools::parse_seed_range(text, "--seeds");
  options.first_seed = range.first;
  options.seeds_max = range.count();
}

// Explores seeds of a scenario, saving each distinct failure once.
int command_fuzz(const std::string& path, const std::vector<std::string>& bugs,
                 const std::vector<std::string>& disabled_checkers, const tools::FuzzOptions& options,
                 const ImplChoice& impl) {
  tools::Scenario scenario = tools::load_scenario_file(path);
  apply_impl_choice(scenario, impl);
  for (const auto& b : bugs) scenario.bugs.push_back(b);
  add_disabled_checkers(scenario, disabled_checkers);
  check_implementation(scenario, impl);
  if (!scenario.nemesis.enabled) {
    std::cout << "note: this scenario has no random nemesis: seeds vary only timing, latency and workload\n";
  }
  tools::install_interrupt_handlers();
  const tools::FuzzReport r =
      tools::fuzz(scenario, options, [](const std::string& line) { std::cout << line << std::endl; });
  if (!r.interrupted.empty()) std::cout << "\nINTERRUPTED: " << r.interrupted << "\n";
  std::cout << fmt::format("\nfuzzed {} seeds in total ({:.1f}s in this call), next seed {}; state in {}/fuzz-state.json\n",
                           r.seeds_run, r.wall_seconds, r.next_seed, options.out_dir);
  if (r.findings.empty()) {
    std::cout << "no failures\n";
    return r.interrupted.empty() && tools::interrupt_count() == 0 ? tools::kExitPass : tools::kExitInterrupted;
  }
  std::cout << fmt::format("{} distinct failures:\n", r.findings.size());
  bool safety = false;
  for (const auto& f : r.findings) {
    safety |= f.signature.rfind("safety", 0) == 0;
    std::cout << fmt::format("  {}x, first at seed {}: {}\n    {}\n    shrink: raftsim shrink {} -o small.json\n", f.count,
                             f.first_seed, f.signature, f.summary, f.record);
  }
  return safety ? tools::kExitSafety : tools::kExitLiveness;
}

}  // namespace commands
