#include "tools/commands/impl_choice.h"

#include <stdexcept>

#include "tools/scenario/input_error.h"
#include "tools/runner/reproduce.h"
#include "tools/runner/runner.h"

namespace commands {

void apply_impl_choice(tools::Scenario& scenario, const ImplChoice& choice) {
  if (!choice.impl.empty()) scenario.impl = choice.impl;
  if (!choice.command.empty()) scenario.command = tools::split_command_option(choice.command);
}

void check_implementation(const tools::Scenario& scenario, const ImplChoice& choice) {
  try {
    tools::make_factory(scenario);
  } catch (const std::invalid_argument& e) {
    // Blame what the user wrote: the option if one chose the implementation, else the scenario's field.
    if (!choice.impl.empty() || !choice.command.empty()) {
      throw tools::InputError("command line", !choice.impl.empty() ? "--impl" : "--command",
                              std::string(e.what()) + " (scenario " + scenario.file + ")");
    }
    throw tools::InputError(scenario.file, "cluster", e.what());
  }
}

}  // namespace commands
