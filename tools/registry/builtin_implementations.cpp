// The implementations compiled into raftsim itself, registered by main (tools/raftsim_main.cpp) and by
// the test main: the reference Raft, and Canonical's libraft when the build found it.
#include <fmt/format.h>

#include "raft/bugs.h"
#include "raft/reference_node.h"
#include "tools/registry/implementations.h"
#ifdef RAFTSIM_WITH_LIBRAFT
#include "adapters/libraft/libraft_node.h"
#endif
#ifdef RAFTSIM_WITH_PROCESS
#include <cstdlib>

#include "adapters/process/process_factory.h"
#endif
#ifdef RAFTSIM_WITH_ETCD
#include "adapters/etcd/etcd_implementation.h"
#endif

namespace tools {

namespace {

#ifdef RAFTSIM_WITH_PROCESS
// The wall-clock limit on one reply of a process child (docs/protocol.md): RAFTSIM_PROCESS_TIMEOUT seconds.
double process_reply_timeout_seconds() {
  const char* text = std::getenv("RAFTSIM_PROCESS_TIMEOUT");
  if (text == nullptr || *text == '\0') return 10.0;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (end == nullptr || *end != '\0' || !(seconds > 0.0) || seconds > 86'400.0) {
    throw std::invalid_argument(fmt::format("RAFTSIM_PROCESS_TIMEOUT: expected seconds in (0, 86400], found '{}'", text));
  }
  return seconds;
}
#endif

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
    reference.supports = sim::FeatureSupport::all();
    reference.supports.snapshots = true;  // paper 7 (raft/snapshot.h); the other adapters refuse them
    reference.supports.read_index = true;  // thesis 6.4; likewise
    reference.supports.membership = true;  // thesis 4 (raft/membership.h); likewise
    reference.supports.inflight_window = true;  // thesis 10.2.1: raft.max_inflight_appends; likewise
    reference.supports.lease_reads = true;  // thesis 6.4.1; likewise
    reference.supports.disk_write_errors = true;  // a failed write stops the node (Raft::on_persist_failed)
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
    // raft_set_pre_vote, raft_transfer; its leaders always check their quorum (docs/scenarios.md);
    // snapshots through raft_io's snapshot_put/get (adapters/libraft/).
    libraft.supports = sim::FeatureSupport::all();
    libraft.supports.snapshots = true;
    libraft.supports.membership = true;  // raft_add, raft_assign, raft_remove
    libraft.supports.disk_write_errors = true;  // RAFT_IOERR to the write's callbacks, then the node stops
    libraft.make = [](const ImplementationRequest& request) {
      refuse_command(request);
      return raft::make_libraft_factory();
    };
    register_implementation(std::move(libraft));
  }
#endif
#ifdef RAFTSIM_WITH_PROCESS
  if (find_implementation("process") == nullptr) {
    ImplementationInfo process;
    process.name = "process";
    process.description = "a Raft in any language, as a program speaking the process protocol (docs/protocol.md)";
    // Unknown until the child runs: none, unless --supports declares them (docs/protocol.md).
    process.make = [](const ImplementationRequest& request) {
      if (request.command.empty()) {
        throw std::invalid_argument("process needs the program to run: cluster.command in the scenario, or --command");
      }
      adapters::process::ProcessOptions options;
      options.command = request.command;
      options.reply_timeout_seconds = process_reply_timeout_seconds();
      return adapters::process::make_process_factory(options);
    };
    register_implementation(std::move(process));
  }
#endif
#ifdef RAFTSIM_WITH_ETCD
  // etcd's Raft in Go over the process protocol (adapters/etcd); "etcd-race" is the same program built
  // with Go's race detector, where a data race in the node is a finding.
  for (const bool race : {false, true}) {
    const std::string name = race ? "etcd-race" : "etcd";
    if (find_implementation(name) != nullptr) continue;
    ImplementationInfo etcd;
    etcd.name = name;
    etcd.supports = sim::FeatureSupport::all();  // raft.Config PreVote and CheckQuorum, TransferLeadership
    etcd.description = race ? "etcd's Raft (go.etcd.io/etcd/raft 3.4) built with Go's race detector"
                            : "etcd's Raft (go.etcd.io/etcd/raft 3.4, Debian's golang-etcd-server-dev), adapters/etcd/";
    etcd.make = [race](const ImplementationRequest& request) {
      refuse_command(request);
      adapters::etcd::EtcdOptions options;
      options.build = race ? adapters::etcd::Build::race : adapters::etcd::Build::plain;
      options.reply_timeout_seconds = process_reply_timeout_seconds();
      return adapters::etcd::make_etcd_factory(options);
    };
    register_implementation(std::move(etcd));
  }
#endif
}

}  // namespace tools
