// The registry of Raft implementations raftsim can test, by name ("reference", "libraft", yours).
//
// Every command (run, fuzz, replay, shrink, mutants) builds its nodes from a scenario's cluster.impl
// through this registry, so an implementation registered here gets the whole command line, and failure
// records that name it replay it. Register before calling tools::cli_main (tools/cli.h), from main:
// never from a static initializer (a static archive drops an object file nothing references, and with
// it the registration). Registration is not meant to race with lookups; lookups may run on many threads.
// Guide: docs/your-raft.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/node_host.h"

namespace tools {

// What a scenario (or the command line) asks of an implementation.
struct ImplementationRequest {
  std::string name;                  // the registered name
  std::vector<std::string> bugs;     // planted bugs to switch on; each one of the implementation's bug_names
  std::vector<std::string> command;  // the process protocol's child command line (cluster.command); empty unless given
};

struct ImplementationInfo {
  std::string name;         // what cluster.impl and --impl say
  std::string description;  // one line, for listings and errors
  std::vector<std::string> bug_names;  // the bugs `make` can plant (`raftsim mutants` plants each in turn)
  // The Raft features and leadership transfer it honours: what the generic configuration may draw for it
  // (nemesis.features). None by default; `--supports` on the command line declares them for a run.
  sim::FeatureSupport supports;
  // Builds a factory; throws std::invalid_argument for a request it cannot serve (e.g. a command it does
  // not take). The registry has already checked that every requested bug is one of bug_names.
  std::function<std::unique_ptr<sim::NodeFactory>(const ImplementationRequest&)> make;
};

// Throws std::invalid_argument for an empty or already registered name, or a missing `make`.
void register_implementation(ImplementationInfo info);
// nullptr if no implementation has that name.
const ImplementationInfo* find_implementation(const std::string& name);
// Every registered name, sorted.
std::vector<std::string> implementation_names();
// Builds the factory for a request; throws std::invalid_argument naming the registered implementations
// for an unknown name, or the implementation's bugs for an unknown bug.
std::unique_ptr<sim::NodeFactory> make_implementation(const ImplementationRequest& request);

// Registers the implementations built into this raftsim: "reference", and "libraft" when built with it.
// Idempotent (tests and main may both call it).
void register_builtin_implementations();

}  // namespace tools
