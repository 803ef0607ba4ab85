// etcd's Raft (go.etcd.io/etcd/raft 3.4) under raftsim: the Go node program adapters/etcd/go/src/
// raftsim-etcd-node, built by adapters/etcd/CMakeLists.txt, driven over the process protocol.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/node_host.h"

namespace adapters::etcd {

enum class Build {
  plain,  // the node program as is
  race,   // built with Go's race detector; a data race ends the child (GORACE=halt_on_error=1, exit 66),
          // which raftsim reports as an implementation-error finding
};

struct EtcdOptions {
  Build build = Build::plain;
  std::vector<std::string> extra_args;  // e.g. {"--fault", "leak"}, {"--pre-vote"}: see the program's -help
  double reply_timeout_seconds = 10.0;
};

// The node program's path: env RAFTSIM_ETCD_NODE (plain) or RAFTSIM_ETCD_NODE_RACE (race) if set,
// otherwise the binary in this build tree.
std::string etcd_node_path(Build build);

// The command line the process factory starts, and the factory itself.
std::vector<std::string> etcd_node_command(const EtcdOptions& options);
std::unique_ptr<sim::NodeFactory> make_etcd_factory(const EtcdOptions& options = {});

}  // namespace adapters::etcd
