// The sim::NodeFactory of the process protocol: each sim::Node call becomes one frame to the child
// (adapters/process/session.h does the talking; this file only translates calls into frames).
#include "adapters/process/process_factory.h"

#include <limits>

#include <fmt/format.h>

#include "adapters/process/frames.h"
#include "adapters/process/session.h"
#include "base/assert.h"

namespace adapters::process {

namespace {

const std::string& bytes_of(const sim::Payload& payload) {
  const auto* bytes = dynamic_cast<const BytesPayload*>(&payload);
  RAFTSIM_ASSERT_MSG(bytes != nullptr, "a message that this process adapter did not send");
  return bytes->bytes;
}

class ProcessNode final : public sim::Node {
 public:
  ProcessNode(std::shared_ptr<Session> session, sim::NodeIndex id, sim::NodeEnvironment& env,
              std::vector<std::uint8_t> start_frame)
      : session_(std::move(session)), id_(id), env_(env), start_frame_(std::move(start_frame)) {}
  // The node's process crashed: STOP.
  ~ProcessNode() override {
    if (started_) session_->stop(id_);
  }

  void start(sim::NodeOutput& out) override {
    RAFTSIM_ASSERT(!started_);
    started_ = true;
    const std::vector<std::uint8_t> frame = std::move(start_frame_);
    session_->call(id_, frame, out);
  }
  void on_message(sim::NodeIndex from, const sim::Payload& message, sim::NodeOutput& out) override {
    encode_message(session_->input_buffer(), id_, env_.now(), from, bytes_of(message));
    send(out);
  }
  void on_timer(std::uint16_t slot, sim::NodeOutput& out) override {
    encode_timer(session_->input_buffer(), id_, env_.now(), slot);
    send(out);
  }
  void on_disk_done(std::uint64_t token, sim::NodeOutput& out) override {
    session_->note_disk_done(id_);
    encode_disk_done(session_->input_buffer(), id_, env_.now(), token);
    send(out);
  }
  void on_client_request(const sim::ClientRequest& request, sim::NodeOutput& out) override {
    session_->note_client(request.client_id);
    encode_client_request(session_->input_buffer(), id_, env_.now(), request);
    send(out);
  }
  // Protocol version 2: a child that does not know TRANSFER answers with an ERROR frame.
  void on_transfer_leadership(std::optional<sim::NodeIndex> target, sim::NodeOutput& out) override {
    encode_transfer(session_->input_buffer(), id_, env_.now(), target);
    send(out);
  }

 private:
  void send(sim::NodeOutput& out) {
    RAFTSIM_ASSERT(started_);
    session_->call(id_, session_->input_buffer(), out);
  }

  std::shared_ptr<Session> session_;  // shared: nodes may outlive the factory (they then do nothing)
  sim::NodeIndex id_;
  sim::NodeEnvironment& env_;
  std::vector<std::uint8_t> start_frame_;  // encoded at create(), while the durable records are at hand
  bool started_ = false;
};

class ProcessFactory final : public sim::NodeFactory {
 public:
  explicit ProcessFactory(ProcessOptions options) : session_(std::make_shared<Session>(std::move(options))) {}
  ~ProcessFactory() override { session_->shutdown(); }
  std::string failure_details() const override { return session_->failure_text(); }

  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override {
    RAFTSIM_ASSERT(context.env != nullptr);
    RAFTSIM_ASSERT(context.id < context.cluster_size);
    // The process protocol (docs/protocol.md) has no snapshot messages or HELLO fields for them yet.
    sim::refuse_reference_only_features(context.features, "process",
                          "the process protocol, which the process and etcd implementations speak, carries no "
                          "snapshot settings or messages yet");
    session_->ensure_started(context.cluster_size, context.timing, context.features);
    // Drawn from the host's seeded timer stream, whether or not the child is still there, so that the
    // rest of the run draws the same numbers either way.
    // 63 bits: random_between's range must not span all of int64.
    const auto seed = static_cast<std::uint64_t>(context.env->random_between(0, std::numeric_limits<std::int64_t>::max()));
    std::vector<std::uint8_t> frame;
    encode_start(frame, context.id, session_->begin_incarnation(context.id), context.env->now(), seed,
                 context.durable_records);
    return std::make_unique<ProcessNode>(session_, context.id, *context.env, std::move(frame));
  }
  std::string_view implementation_name() const override { return session_->implementation_name(); }
  std::string_view message_kind(std::uint16_t label) const override { return session_->message_kind(label); }
  std::string_view timer_slot(std::uint16_t label) const override { return session_->timer_slot(label); }

  const Session& session() const { return *session_; }

 private:
  std::shared_ptr<Session> session_;
};

}  // namespace

std::unique_ptr<sim::NodeFactory> make_process_factory(const ProcessOptions& options) {
  if (options.command.empty() || options.command[0].empty()) {
    throw std::invalid_argument("the process implementation needs a command (the program that hosts the nodes)");
  }
  if (!(options.reply_timeout_seconds > 0.0) || options.reply_timeout_seconds > 1e6) {
    throw std::invalid_argument(fmt::format("the reply timeout must be above 0 s (and at most 1e6 s), not {}",
                                            options.reply_timeout_seconds));
  }
  for (const auto& entry : options.extra_env) {
    if (entry.find('=') == std::string::npos || entry.front() == '=') {
      throw std::invalid_argument(fmt::format("extra environment entry '{}' is not NAME=value", entry));
    }
  }
  return std::make_unique<ProcessFactory>(options);
}

std::string failure_text(const sim::NodeFactory& factory) {
  const auto* process = dynamic_cast<const ProcessFactory*>(&factory);
  return process != nullptr ? process->session().failure_text() : std::string();
}

}  // namespace adapters::process
