#include "tools/commands/impl_choice.h"

#include <algorithm>
#include <stdexcept>

#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"
#include "tools/scenario/scenario_limits.h"
#include "tools/runner/reproduce.h"
#include "tools/runner/runner.h"

namespace commands {

namespace {

// The command line declares the three switches nemesis.features draws (PreVote, CheckQuorum, transfers);
// the rest (snapshots, membership, leases, the window, disk write errors) stay as the registry declares
// them for the implementation (`base`).
sim::FeatureSupport parse_supports(const std::string& list, sim::FeatureSupport base) {
  sim::FeatureSupport supports = base;
  supports.pre_vote = false;
  supports.check_quorum = false;
  supports.transfer_leadership = false;
  if (list == "none") return supports;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t end = std::min(list.find(',', begin), list.size());
    const std::string name = list.substr(begin, end - begin);
    if (name == "pre_vote") {
      supports.pre_vote = true;
    } else if (name == "check_quorum") {
      supports.check_quorum = true;
    } else if (name == "transfer_leadership") {
      supports.transfer_leadership = true;
    } else {
      throw tools::InputError("command line", "--supports",
                              "a comma-separated list of pre_vote, check_quorum, transfer_leadership, or none (got '" +
                                  name + "' in '" + list + "')");
    }
    begin = end + 1;
  }
  return supports;
}

}  // namespace

void apply_impl_choice(tools::Scenario& scenario, const ImplChoice& choice) {
  if (!choice.impl.empty()) scenario.impl = choice.impl;
  if (!choice.command.empty()) scenario.command = tools::split_command_option(choice.command);
  if (!choice.supports.empty()) {
    const tools::ImplementationInfo* info = tools::find_implementation(scenario.impl);
    scenario.supports = parse_supports(choice.supports, info != nullptr ? info->supports : sim::FeatureSupport{});
  }
}

void check_implementation(const tools::Scenario& scenario, const ImplChoice& choice) {
  // Another implementation, or another declaration of what it honours, than the file's: its limits again
  // (e.g. libraft's 1ms heartbeat floor; snapshots, disk write errors).
  if (!choice.impl.empty() || !choice.supports.empty()) tools::check_scenario_limits(scenario);
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
