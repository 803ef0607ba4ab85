#include "adapters/etcd/etcd_implementation.h"

#include <cstdlib>

#include "adapters/process/process_factory.h"
#include "base/assert.h"

namespace adapters::etcd {

std::string etcd_node_path(Build build) {
  const char* env = std::getenv(build == Build::race ? "RAFTSIM_ETCD_NODE_RACE" : "RAFTSIM_ETCD_NODE");
  if (env != nullptr && *env != '\0') return env;
  return build == Build::race ? RAFTSIM_ETCD_NODE_RACE_PATH : RAFTSIM_ETCD_NODE_PATH;
}

std::vector<std::string> etcd_node_command(const EtcdOptions& options) {
  std::vector<std::string> command{etcd_node_path(options.build)};
  command.insert(command.end(), options.extra_args.begin(), options.extra_args.end());
  RAFTSIM_ASSERT(!command.front().empty());
  return command;
}

std::unique_ptr<sim::NodeFactory> make_etcd_factory(const EtcdOptions& options) {
  process::ProcessOptions p;
  p.command = etcd_node_command(options);
  p.reply_timeout_seconds = options.reply_timeout_seconds;
  if (options.build == Build::race) {
    // Stop at the first race report (exit 66) instead of printing it and going on.
    p.extra_env.push_back("GORACE=halt_on_error=1");
  }
  return process::make_process_factory(p);
}

}  // namespace adapters::etcd
