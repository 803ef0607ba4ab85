// The implementations compiled into raftsim itself, registered by main (tools/raftsim_main.cpp) and by
// the test main: the reference Raft, and Canonical's libraft when the build found it.
#include <fmt/format.h>

#include "raft/bugs.h"
#include "raft/reference_node.h"
#include "tools/lib/implementations.h"
#ifdef RAFTSIM_WITH_LIBRAFT
#include "adapters/libraft/libraft_node.h"
#endif

namespace tools {

namespace {

void refuse_command(const ImplementationRequest& request) {
  if (!request.command.empty()) {
    throw std::invalid_argument(fmt::format("{} runs in-process and takes no command (cluster.command, --command)",
                                            request.name));
  }
}

}  // namespace

void register_builtin_implementations() {
  if (find_implementation("reference") == nullptr) {
    ImplementationInfo reference;
    reference.name = "reference";
    reference.description = "raftsim's reference Raft (raft/), with planted bugs";
    for (const auto b : raft::bug_names()) reference.bug_names.emplace_back(b);
    reference.make = [](const ImplementationRequest& request) -> std::unique_ptr<sim::NodeFactory> {
      refuse_command(request);
      raft::Bugs planted;
      for (const auto& name : request.bugs) {
        const auto b = raft::bug_from_name(name);
        if (!b) throw std::invalid_argument(fmt::format("unknown bug '{}'", name));
        planted.set(*b);
      }
      return std::make_unique<raft::ReferenceNodeFactory>(planted);
    };
    register_implementation(std::move(reference));
  }
#ifdef RAFTSIM_WITH_LIBRAFT
  if (find_implementation("libraft") == nullptr) {
    ImplementationInfo libraft;
    libraft.name = "libraft";
    libraft.description = "Canonical's libraft (Debian's libraft-dev), adapters/libraft/";
    libraft.make = [](const ImplementationRequest& request) {
      refuse_command(request);
      return raft::make_libraft_factory();
    };
    register_implementation(std::move(libraft));
  }
#endif
}

}  // namespace tools
