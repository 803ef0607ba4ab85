#include "tools/commands/commands.h"

#include <algorithm>
#include <iostream>

#include "tools/commands/common.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace commands {

// Measures how fast the scenario's seeds find each planted bug; the correct build must stay clean.
int command_mutants(const std::string& path, const tools::MutantsOptions& options, const std::string& json,
                    const ImplChoice& impl) {
  tools::Scenario scenario = tools::load_scenario_file(path);
  apply_impl_choice(scenario, impl);
  if (!scenario.bugs.empty()) {
    throw tools::InputError(path, "cluster.bugs", "must be empty: `mutants` plants each bug itself into the correct build");
  }
  check_implementation(scenario, impl);
  const tools::ImplementationInfo* info = tools::find_implementation(scenario.impl);
  if (info->bug_names.empty()) {
    throw tools::InputError(impl.impl.empty() ? path : "command line", impl.impl.empty() ? "cluster.impl" : "--impl",
                            "implementation " + scenario.impl + " has no planted bugs to measure");
  }
  for (const auto& bug : options.bugs) {
    if (std::find(info->bug_names.begin(), info->bug_names.end(), bug) == info->bug_names.end()) {
      throw tools::InputError("command line", "--bug", "unknown bug '" + bug + "' for " + scenario.impl);
    }
  }
  if (scenario.expect.outcome != tools::Expectation::Outcome::pass) {
    throw tools::InputError(path, "expect.outcome", "must be \"pass\": the correct build is expected to pass");
  }
  tools::install_interrupt_handlers();
  const tools::MutantsReport r =
      tools::run_mutants(scenario, options, [](const std::string& line) { std::cout << line << std::endl; });
  std::cout << "\n" << tools::format_mutants_table(r);
  if (!json.empty()) write_file(json, [&](std::ostream& o) { o << tools::mutants_json(r); });
  if (tools::interrupt_count() > 0) {
    std::cout << "\nINTERRUPTED: the streams above stopped early; the table is incomplete\n";
    return tools::kExitInterrupted;
  }
  return r.pass() ? tools::kExitPass : tools::kExitSafety;
}

}  // namespace commands
