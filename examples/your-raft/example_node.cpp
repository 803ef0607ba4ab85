#include "example_node.h"

#include <optional>
#include <stdexcept>

#include "tools/registry/implementations.h"

namespace example {

namespace {

// Passes the inputs of sim::Node to the inner node. A real adapter translates here: raftsim's
// inputs into its Raft's, and its Raft's outputs (messages, disk writes, timers, replies,
// observations) into the NodeOutput.
class ExampleNode final : public sim::Node {
 public:
  explicit ExampleNode(std::unique_ptr<sim::Node> inner) : inner_(std::move(inner)) {}
  void start(sim::NodeOutput& out) override { inner_->start(out); }
  void on_message(sim::NodeIndex from, const sim::Payload& message, sim::NodeOutput& out) override {
    inner_->on_message(from, message, out);
  }
  void on_timer(std::uint16_t slot, sim::NodeOutput& out) override { inner_->on_timer(slot, out); }
  void on_disk_done(std::uint64_t token, sim::NodeOutput& out) override { inner_->on_disk_done(token, out); }
  void on_client_request(const sim::ClientRequest& request, sim::NodeOutput& out) override {
    inner_->on_client_request(request, out);
  }
  // Optional: leadership transfer (thesis 3.10). Without it, scenarios and nemeses that ask for transfers
  // stop with an input error naming the fault.
  void on_transfer_leadership(std::optional<sim::NodeIndex> target, sim::NodeOutput& out) override {
    inner_->on_transfer_leadership(target, out);
  }

 private:
  std::unique_ptr<sim::Node> inner_;
};

}  // namespace

std::unique_ptr<sim::Node> ExampleNodeFactory::create(const sim::NodeContext& context) {
  sim::NodeContext given = context;
  if (forget_disk_on_restart_) given.durable_records = {};  // BUG(forget-disk-on-restart)
  return std::make_unique<ExampleNode>(inner_.create(given));
}

void register_example() {
  tools::ImplementationInfo info;
  info.name = "example";
  info.description = "examples/your-raft: the reference Raft behind an out-of-tree adapter";
  info.bug_names = {"forget-disk-on-restart"};
  // It forwards everything to the reference Raft, which honours every feature and transfers leadership.
  info.supports = sim::FeatureSupport::all();
  info.make = [](const tools::ImplementationRequest& request) -> std::unique_ptr<sim::NodeFactory> {
    if (!request.command.empty()) throw std::invalid_argument("example runs in-process and takes no command");
    // The registry has checked that every bug is one of bug_names.
    return std::make_unique<ExampleNodeFactory>(!request.bugs.empty());
  };
  tools::register_implementation(std::move(info));
}

}  // namespace example
