// The adapter that runs the reference Raft behind the simulator's host interface (sim/node_host.h).
// It translates, and does nothing else: every Raft decision stays in raft::Raft.
#pragma once

#include <memory>
#include <span>

#include "raft/raft.h"
#include "sim/node_host.h"

namespace raft {

class ReferenceNodeFactory final : public sim::NodeFactory {
 public:
  explicit ReferenceNodeFactory(Bugs bugs = {}) : bugs_(bugs) {}
  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override;
  std::string_view implementation_name() const override { return "reference"; }
  std::string_view message_kind(std::uint16_t label) const override;
  std::string_view timer_slot(std::uint16_t label) const override;

 private:
  Bugs bugs_;
};

// Rebuilds term, vote and log from the records a node's disk made durable (for restarts; exposed for tests).
DurableState replay_durable_records(std::span<const sim::PayloadPtr> records);

}  // namespace raft
