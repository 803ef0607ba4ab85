#include "raft/reference_node.h"

#include <variant>

#include "base/assert.h"
#include "raft/snapshot.h"
#include "sim/payload_pool.h"

namespace raft {

namespace {

// A message on the simulated wire: the whole envelope, shared (never copied) between duplicates.
struct WireMessage final : sim::Payload {
  // Built from the message itself, moved once (the Raft's output is not kept); see to_wire.
  template <typename M>
  WireMessage(NodeId from, NodeId to, M&& message) : envelope(from, to, std::forward<M>(message)) {}
  Envelope envelope;
};

// The envelope's message moved into a new wire message, alternative by alternative: a std::variant's own
// move goes through a table of functions (an indirect call that moves every alternative's members by a
// generic path, about 25 instructions a message); here the held alternative's move is inlined (issue 14).
template <std::size_t I = 0>
sim::PayloadPtr to_wire(Envelope& e) {
  static_assert(I < std::variant_size_v<Message>);
  if constexpr (I + 1 < std::variant_size_v<Message>) {
    if (e.message.index() != I) return to_wire<I + 1>(e);
  }
  RAFTSIM_ASSERT(e.message.index() == I);
  auto* message = std::get_if<I>(&e.message);
  RAFTSIM_ASSERT(message != nullptr);
  return sim::make_payload<WireMessage>(e.from, e.to, std::move(*message));
}

// One record on the simulated disk: a PersistRequest exactly as the Raft emitted it (a write-ahead log).
struct DiskRecord final : sim::Payload {
  explicit DiskRecord(PersistRequest&& r) : request(std::move(r)) {}
  PersistRequest request;
};

// By the conventional summary kind (docs/your-raft.md): 0-3 the paper's RPCs, 4-5 InstallSnapshot and its
// reply (paper 7), 6-8 PreVote, its reply and TimeoutNow (thesis 9.6, 3.10).
constexpr std::string_view kMessageNames[] = {
    "RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply", "InstallSnapshot", "InstallSnapshotReply",
    "PreVote",     "PreVoteReply",     "TimeoutNow"};

std::uint16_t summary_kind(const Message& m) {
  constexpr std::uint16_t kKinds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};  // by variant alternative
  static_assert(std::size(kKinds) == std::variant_size_v<Message>);
  static_assert(std::size(kMessageNames) == std::variant_size_v<Message>);
  RAFTSIM_ASSERT(m.index() < std::size(kKinds));
  return kKinds[m.index()];
}

sim::MessageSummary summarize(const Envelope& e) {
  sim::MessageSummary s;
  s.kind = summary_kind(e.message);
  s.term = message_term(e.message).value;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, RequestVote>) {
          s.a = m.last_log_index.value;
          s.b = m.last_log_term.value;
        } else if constexpr (std::is_same_v<T, RequestVoteReply>) {
          s.a = m.vote_granted ? 1 : 0;
        } else if constexpr (std::is_same_v<T, AppendEntries>) {
          s.a = m.prev_log_index.value;
          s.b = m.entries.size();
        } else if constexpr (std::is_same_v<T, AppendEntriesReply>) {
          s.a = m.success ? 1 : 0;
          s.b = m.success ? m.match_index.value : m.conflict_index.value;
        } else if constexpr (std::is_same_v<T, InstallSnapshot>) {
          // Kind 4 (docs/checkers.md): a = last included index, b = last included term.
          s.a = m.last_included_index.value;
          s.b = m.last_included_term.value;
        } else if constexpr (std::is_same_v<T, InstallSnapshotReply>) {
          // Kind 5: a = last included index, b = 1 if the follower's state covers it ("done").
          s.a = m.last_included_index.value;
          s.b = m.done ? 1 : 0;
        } else if constexpr (std::is_same_v<T, PreVote>) {
          s.a = m.last_log_index.value;
          s.b = m.last_log_term.value;
        } else if constexpr (std::is_same_v<T, PreVoteReply>) {
          s.a = m.vote_granted ? 1 : 0;
        }
      },
      e.message);
  return s;
}

sim::EventKind observation_kind(Observation::Kind k) {
  switch (k) {
    case Observation::Kind::role_changed: return sim::EventKind::role;
    case Observation::Kind::vote_granted: return sim::EventKind::vote;
    case Observation::Kind::log_appended: return sim::EventKind::log_append;
    case Observation::Kind::log_truncated: return sim::EventKind::log_truncate;
    case Observation::Kind::committed: return sim::EventKind::commit;
    case Observation::Kind::applied: return sim::EventKind::apply;
    case Observation::Kind::transfer_started: return sim::EventKind::transfer_start;
    case Observation::Kind::transfer_abandoned: return sim::EventKind::transfer_abandoned;
    case Observation::Kind::read_served: return sim::EventKind::read_served;
    case Observation::Kind::membership: return sim::EventKind::membership;
    case Observation::Kind::lease_read: return sim::EventKind::lease_read;
    case Observation::Kind::stopped: return sim::EventKind::node_stopped;
    case Observation::Kind::snapshot_taken: return sim::EventKind::snapshot_taken;
    case Observation::Kind::snapshot_installed: return sim::EventKind::snapshot_installed;
    case Observation::Kind::snapshot_restored: return sim::EventKind::snapshot_restored;
    case Observation::Kind::snapshot_chunk: return sim::EventKind::snapshot_chunk;
  }
  RAFTSIM_ASSERT_MSG(false, "unknown observation kind");
  return sim::EventKind::role;
}

Command to_command(const sim::ClientRequest& r) {
  Command c;
  switch (r.op) {
    case sim::ClientOp::get: c.op = OpKind::get; break;
    case sim::ClientOp::put: c.op = OpKind::put; break;
    case sim::ClientOp::append: c.op = OpKind::append; break;
    case sim::ClientOp::cas: c.op = OpKind::cas; break;
  }
  c.key = r.key;
  c.value = r.value;
  c.expected = r.expected;
  c.client_id = r.client_id;
  c.request_id = r.request_id;
  return c;
}

class ReferenceNode final : public sim::Node {
 public:
  // `env` (may be null: then the Raft's clock stays at 0) gives the node's own clock, which runs at the rate
  // the clock fault sets (thesis 6.4.1: only leases read it).
  ReferenceNode(Config config, DurableState durable, sim::NodeEnvironment* env)
      : checkpoints_(config.snapshot_every_entries > 0), written_(checkpoints_ ? durable : DurableState{}),
        raft_(std::move(config), std::move(durable)), id_(raft_.id()), env_(raft_.reads_clock() ? env : nullptr) {
    out_.reserve_for_reuse();
  }

  void start(sim::NodeOutput& out) override {
    tick();
    raft_.start(out_);
    translate(out);
  }
  void on_message(sim::NodeIndex from, const sim::Payload& message, sim::NodeOutput& out) override {
    const auto& wire = static_cast<const WireMessage&>(message);
    RAFTSIM_ASSERT(wire.envelope.from.value == from);
    RAFTSIM_ASSERT(wire.envelope.to == id_);
    tick();
    raft_.step(wire.envelope, out_);
    translate(out);
  }
  void on_timer(std::uint16_t slot, sim::NodeOutput& out) override {
    RAFTSIM_ASSERT(slot <= static_cast<std::uint16_t>(TimerKind::heartbeat));
    tick();
    raft_.on_timer(static_cast<TimerKind>(slot), out_);
    translate(out);
  }
  void on_disk_done(std::uint64_t token, sim::NodeOutput& out) override {
    tick();
    raft_.on_persisted(token, out_);
    translate(out);
  }
  // A failed write stops the node (Raft::on_persist_failed); the host then ends its process.
  void on_disk_error(std::uint64_t token, sim::NodeOutput& out) override {
    raft_.on_persist_failed(token, out_);
    translate(out);
  }
  void on_client_request(const sim::ClientRequest& request, sim::NodeOutput& out) override {
    tick();
    raft_.on_client_request(to_command(request), out_);
    translate(out);
  }
  void on_transfer_leadership(std::optional<sim::NodeIndex> target, sim::NodeOutput& out) override {
    std::optional<NodeId> to;
    if (target) to = NodeId(*target);
    tick();
    raft_.on_transfer_leadership(to, out_);
    translate(out);
  }
  void on_membership_change(sim::MembershipChange change, sim::NodeIndex node, sim::NodeOutput& out) override {
    const ConfChangeKind kind = change == sim::MembershipChange::add ? ConfChangeKind::add_learner : ConfChangeKind::remove;
    raft_.on_membership_change(ConfChange{kind, NodeId(node)}, out_);
    translate(out);
  }

 private:
  void tick() {
    if (env_ == nullptr) return;
    const sim::Time local = env_->now();
    RAFTSIM_ASSERT(local.us >= 0);
    raft_.advance_clock(LocalTime(static_cast<std::uint64_t>(local.us)));
  }

  void translate(sim::NodeOutput& out) {
    // Each part of the Raft's output is cleared right after it is read, where its bounds are at hand (one
    // Output::clear call at the end reloaded all five: about 6 instructions per trace event more, measured).
    for (const Observation& o : out_.observations) out.observations.push_back({observation_kind(o.kind), o.a, o.b, o.c});
    out_.observations.clear();
    for (PersistRequest& p : out_.persist) {
      const std::uint64_t token = p.token;
      const std::uint32_t size = persist_request_size_bytes(p);  // what the Raft wrote, checkpoint or not
      if (checkpoints_) {
        apply_persist_request(written_, p);
        if (p.snapshot.has_value()) {
          // The snapshot (taken or installed) makes this write a checkpoint of everything written so far
          // (from the records, not from the Raft's memory, so a Raft that forgets to persist something stays
          // caught): the disk may forget the records before it.
          out.disk_writes.push_back({token, sim::make_payload<DiskRecord>(checkpoint_request(written_, token)), size, true});
          continue;
        }
      }
      out.disk_writes.push_back({token, sim::make_payload<DiskRecord>(std::move(p)), size});
    }
    out_.persist.clear();
    for (Envelope& e : out_.messages) {
      RAFTSIM_ASSERT(e.from == id_ && e.to != id_);
      const sim::MessageSummary summary = summarize(e);
      const sim::NodeIndex to = e.to.value;
      out.sends.push_back({to, to_wire(e), summary});
    }
    out_.messages.clear();
    for (const TimerRequest& t : out_.timers) {
      out.timers.push_back({static_cast<std::uint16_t>(t.kind), sim::Duration::micros(static_cast<std::int64_t>(t.delay_us_min)),
                            sim::Duration::micros(static_cast<std::int64_t>(t.delay_us_max))});
    }
    out_.timers.clear();
    for (ClientReply& r : out_.replies) {
      sim::ClientReply c;
      c.client_id = r.client_id;
      c.request_id = r.request_id;
      c.status = r.status == ReplyStatus::ok       ? sim::ReplyStatus::ok
                 : r.status == ReplyStatus::unknown ? sim::ReplyStatus::unknown
                                                    : sim::ReplyStatus::rejected;
      if (r.leader_hint) c.leader_hint = r.leader_hint->value;
      c.value = std::move(r.value);
      c.cas_succeeded = r.cas_succeeded;
      c.log_index = r.index.value;
      c.log_term = r.term.value;
      out.replies.push_back(std::move(c));
    }
    out_.replies.clear();
    RAFTSIM_ASSERT(out_.empty());
  }

  // With snapshots on: what this node's records hold once every write so far is durable (the replay of
  // its disk), from which a snapshot write becomes a checkpoint. Bounded by the compacted log.
  const bool checkpoints_;
  DurableState written_;
  Raft raft_;
  const NodeId id_;  // raft_.id(), kept here: the asserts on every message need no call into the Raft
  // Null when the Raft reads no clock (Raft::reads_clock): then no input asks the host for the time.
  sim::NodeEnvironment* env_;
  Output out_;  // reused between calls
};

}  // namespace

DurableState replay_durable_records(std::span<const sim::PayloadPtr> records) {
  DurableState state;
  for (const sim::PayloadPtr& p : records) {
    RAFTSIM_ASSERT(p != nullptr);
    const PersistRequest& r = static_cast<const DiskRecord&>(*p).request;
    apply_persist_request(state, r);
  }
  return state;
}

std::unique_ptr<sim::Node> ReferenceNodeFactory::create(const sim::NodeContext& context) {
  // The reference Raft takes no randomness from its host: it is a pure state machine, told the node's clock
  // before each input (only lease reads read it, thesis 6.4.1).
  const sim::NodeIndex id = context.id;
  const std::uint32_t cluster_size = context.cluster_size;
  const sim::RaftTiming& timing = context.timing;
  RAFTSIM_ASSERT(id < cluster_size);
  RAFTSIM_ASSERT(timing.election_timeout_min <= timing.election_timeout_max);
  Config config;
  config.id = NodeId(id);
  // Thesis 4.1: the initial configuration; with membership changes, nodes from initial_members on are
  // spares outside it until a leader adds them.
  const std::uint32_t initial = context.features.initial_members == 0 ? cluster_size : context.features.initial_members;
  RAFTSIM_ASSERT(initial >= 1 && initial <= cluster_size);
  RAFTSIM_ASSERT(initial == cluster_size || context.features.membership);
  for (std::uint32_t n = 0; n < initial; ++n) config.members.push_back(NodeId(n));
  config.membership = context.features.membership;
  config.election_timeout_us_min = static_cast<std::uint64_t>(timing.election_timeout_min.us);
  config.election_timeout_us_max = static_cast<std::uint64_t>(timing.election_timeout_max.us);
  config.heartbeat_interval_us = static_cast<std::uint64_t>(timing.heartbeat_interval.us);
  config.max_entries_per_append = timing.max_entries_per_append;
  config.max_inflight_appends = timing.max_inflight_appends;
  config.pre_vote = context.features.pre_vote;
  config.check_quorum = context.features.check_quorum;
  config.snapshot_every_entries = context.features.snapshot_every_entries;
  config.snapshot_trailing_entries = context.features.snapshot_trailing_entries;
  config.snapshot_chunk_bytes = context.features.snapshot_chunk_bytes;
  config.read_index = context.features.read_index;
  config.lease_reads = context.features.lease_reads;
  config.clock_drift_bound = context.features.clock_drift_bound;
  // Thesis 4.2.3's window (membership, leases) and the lease itself are measured on the node's clock.
  RAFTSIM_ASSERT(!(config.lease_reads || config.membership) || context.env != nullptr);
  config.bugs = bugs_;
  return std::make_unique<ReferenceNode>(std::move(config), replay_durable_records(context.durable_records), context.env);
}

std::string_view ReferenceNodeFactory::message_kind(std::uint16_t label) const {
  return label < std::size(kMessageNames) ? kMessageNames[label] : std::string_view("?");
}

std::string_view ReferenceNodeFactory::timer_slot(std::uint16_t label) const {
  switch (label) {
    case 0: return "election";
    case 1: return "heartbeat";
    default: return "?";
  }
}

}  // namespace raft
