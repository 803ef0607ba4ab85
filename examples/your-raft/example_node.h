// An example implementation under raftsim: "example", a node that wraps raftsim's reference Raft through
// its public adapter (raft::ReferenceNodeFactory), passing every input through and every output back.
// Replace the inner node with your own Raft; docs/your-raft.md says what a node must do.
//
// It has one planted bug to show the failure workflow (record, replay, shrink): "forget-disk-on-restart"
// restarts a node from an empty disk, as an adapter does that forgets to hand its Raft the durable
// records (term, vote and log are lost across a crash).
#pragma once

#include <memory>
#include <string_view>

#include "raft/reference_node.h"
#include "sim/node_host.h"

namespace example {

class ExampleNodeFactory final : public sim::NodeFactory {
 public:
  explicit ExampleNodeFactory(bool forget_disk_on_restart) : forget_disk_on_restart_(forget_disk_on_restart) {}

  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override;
  std::string_view implementation_name() const override { return "example"; }
  // Names for the numbers in message summaries and timer slots: the inner Raft's.
  std::string_view message_kind(std::uint16_t label) const override { return inner_.message_kind(label); }
  std::string_view timer_slot(std::uint16_t label) const override { return inner_.timer_slot(label); }

 private:
  raft::ReferenceNodeFactory inner_;
  bool forget_disk_on_restart_;
};

// Registers "example" with raftsim's implementation registry (call from main, before tools::cli_main).
void register_example();

}  // namespace example
