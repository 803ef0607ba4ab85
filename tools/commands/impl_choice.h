// The implementation a command runs, as chosen on the command line (--impl, --command) over the
// scenario's cluster.impl and cluster.command. Shared by run, fuzz and mutants.
#pragma once

#include <string>

#include "tools/scenario/scenario.h"

namespace commands {

struct ImplChoice {
  std::string impl;     // --impl: overrides cluster.impl if not empty
  std::string command;  // --command "ARGS": overrides cluster.command if not empty (split at whitespace)
  // --supports LIST: what the implementation honours, overriding the registry's declaration (a process
  // child's is unknown to raftsim): comma-separated pre_vote, check_quorum, transfer_leadership, or none.
  std::string supports;
};

// Applies the command line's choice to a scenario loaded from a file.
void apply_impl_choice(tools::Scenario& scenario, const ImplChoice& choice);
// Builds the scenario's implementation once, so that an unknown name, bug or command is a usage error
// (exit 3) naming where it came from, rather than a failure inside a worker thread; with another
// implementation or --supports than the file's, checks the scenario's limits against it again.
void check_implementation(const tools::Scenario& scenario, const ImplChoice& choice);

}  // namespace commands
