// The narrow interface between the simulator and one Raft node, whatever implements it.
//
// The simulator calls a Node with one input at a time (a message, a timer, a finished disk write, a
// client request); the node answers by filling a NodeOutput: messages to send, records to write to its
// disk, timers to arm, replies to clients, and observations (facts about its Raft state that the
// checkers need). No type of the reference Raft appears here: adapters translate, so third-party Raft
// libraries plug in the same way. Messages and disk records are opaque Payloads to the simulator.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"
#include "sim/trace_event.h"

namespace sim {

using NodeIndex = std::uint32_t;  // 0 .. nodes-1

struct Payload {
  virtual ~Payload() = default;
};
using PayloadPtr = std::shared_ptr<const Payload>;

// What the trace records about a message: never its bytes, only a few integers the node chose.
struct MessageSummary {
  std::uint16_t kind = 0;  // index into the factory's message_kind_name table
  std::uint64_t term = 0;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
};

struct OutgoingMessage {
  NodeIndex to = 0;
  PayloadPtr payload;
  MessageSummary summary;
};

// Appended to the node's disk in order; reported back with on_disk_done(token) once durable.
struct DiskWrite {
  std::uint64_t token = 0;
  PayloadPtr record;
  std::uint32_t size_bytes = 0;
  // A checkpoint: the record holds everything the node needs from the records before it (e.g. a snapshot
  // with the log after it), so once it is durable the disk forgets them and hands a restarted node this
  // record and the later ones only. Keeps a long run's disk as small as the node's state (a WAL released
  // up to a snapshot). false: an ordinary appended record.
  bool replaces_earlier = false;
};

// Arm timer `slot` (re-arming cancels the previous one). The host draws the delay in [delay_min, delay_max].
struct TimerRequest {
  std::uint16_t slot = 0;
  Duration delay_min;
  Duration delay_max;
};

enum class ClientOp : std::uint8_t { get = 0, put = 1, append = 2, cas = 3 };

struct ClientRequest {
  std::uint64_t client_id = 0;
  std::uint64_t request_id = 0;
  ClientOp op = ClientOp::get;
  std::string key;
  std::string value;
  std::string expected;  // cas only
};

enum class ReplyStatus : std::uint8_t {
  ok = 0,          // applied
  rejected = 1,    // definitely not applied (not the leader, overloaded); leader_hint may help
  unknown = 2,     // may or may not be applied (e.g. leadership lost after proposing)
};

struct ClientReply {
  std::uint64_t client_id = 0;
  std::uint64_t request_id = 0;
  ReplyStatus status = ReplyStatus::ok;
  std::optional<NodeIndex> leader_hint;
  std::string value;  // get: value read; cas: value before
  bool cas_succeeded = false;
  // ok only, if the implementation knows it (0 otherwise): the log position where the operation was
  // applied. Lets the durability checker confirm that every acknowledged operation stays committed.
  std::uint64_t log_index = 0;
  std::uint64_t log_term = 0;
};

// Thesis 4.1: what the host asks a leader to change in the cluster's membership.
enum class MembershipChange : std::uint8_t { add = 0, remove = 1 };

// An observation: EventKind role, vote, log_append, log_truncate, commit, apply or impl_error, with its
// a/b/c fields as documented in trace_event.h.
struct Observation {
  EventKind kind = EventKind::role;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
};

struct NodeOutput {
  std::vector<OutgoingMessage> sends;
  std::vector<DiskWrite> disk_writes;
  std::vector<TimerRequest> timers;
  std::vector<ClientReply> replies;
  std::vector<Observation> observations;

  void clear() {
    sends.clear();
    disk_writes.clear();
    timers.clear();
    replies.clear();
    observations.clear();
  }
};

// Thrown by an adapter that cannot make sense of what its implementation gave it (a process child's
// unreadable reply): the adapter or its configuration is broken, not the Raft. An input error (exit 3),
// never a finding.
class AdapterError : public std::runtime_error {
 public:
  explicit AdapterError(const std::string& what) : std::runtime_error(what) {}
};

class Node {
 public:
  virtual ~Node() = default;
  virtual void start(NodeOutput& out) = 0;
  virtual void on_message(NodeIndex from, const Payload& message, NodeOutput& out) = 0;
  virtual void on_timer(std::uint16_t slot, NodeOutput& out) = 0;
  virtual void on_disk_done(std::uint64_t token, NodeOutput& out) = 0;
  virtual void on_client_request(const ClientRequest& request, NodeOutput& out) = 0;
  // Write `token` completed with an I/O error (fault fail_disk_writes): its record is not durable and a
  // restart will not see it. The node may stop itself (a node_stopped observation: the host then ends its
  // process, as a fatal error would). An implementation that cannot be told refuses (the default): an input
  // error naming the fault, never a write silently treated as durable or dropped without a word.
  virtual void on_disk_error(std::uint64_t token, NodeOutput& out) {
    (void)token;
    (void)out;
    throw AdapterError(
        "faults: \"fail_disk_writes\": this implementation cannot receive disk write errors (its adapter does not "
        "implement Node::on_disk_error)");
  }
  // Leadership transfer (Ongaro thesis 3.10): the host asks this node, which reports itself leader, to hand
  // leadership to `target` (nullopt: a node of the implementation's choice). An implementation without
  // transfer refuses (the default): an input error naming the fault, never a silent no-op.
  virtual void on_transfer_leadership(std::optional<NodeIndex> target, NodeOutput& out) {
    (void)target;
    (void)out;
    throw AdapterError(
        "faults: \"transfer_leadership\": this implementation does not support leadership transfer (its adapter "
        "does not implement Node::on_transfer_leadership)");
  }
  // Membership changes (thesis 4): the host asks this node, which reports itself leader, to add `node` to
  // the cluster (it catches up before it votes) or to remove it. Refused by default, like transfer.
  virtual void on_membership_change(MembershipChange change, NodeIndex node, NodeOutput& out) {
    (void)change;
    (void)node;
    (void)out;
    throw AdapterError(
        "faults: \"add_member\"/\"remove_member\": this implementation does not support membership changes (its "
        "adapter does not implement Node::on_membership_change)");
  }
};

// Raft timing the scenario asks for; each implementation maps it to its own configuration.
struct RaftTiming {
  Duration election_timeout_min = Duration::millis(150);
  Duration election_timeout_max = Duration::millis(300);
  Duration heartbeat_interval = Duration::millis(50);
  std::uint32_t max_entries_per_append = 64;
  // Flow control (thesis 10.2.1, etcd's MaxInflightMsgs): unacknowledged appends per follower. Honoured
  // by the reference Raft; other implementations refuse a value other than the default (scenario_limits).
  // Default 16, measured (README "Flow control and batching": basic.json's network, 100 clients, seed 1;
  // before = no window: 12,864 operations, 225 messages per committed entry). With one entry per append a
  // window of 2 gives 3,374 operations and 8 gives 5,964 (each window waits a round trip); 16 keeps the
  // throughput (12,441) at half the messages per entry (104); 32 and more buy throughput (19,000-20,000)
  // with more messages than no window (208-289): this network reorders back-to-back one-entry appends,
  // which the follower must reject (5.3), so resends grow with the window. With 64 entries per append 16
  // costs 7% of the operations of a window of 2, at 5.3 messages per entry (2: 1.1; no window: 14.2).
  std::uint32_t max_inflight_appends = 16;
};

// Raft features beyond the paper's core that the scenario switches on (`cluster` section). Every field's
// default is "off" or the value that keeps existing runs unchanged; an implementation honours each switch
// that is on or refuses it (an input error naming the field, sim::AdapterError), never ignores it.
// A plain struct: more switches join it. In the trace: the label of the timing event (bit 0 pre_vote,
// bit 1 check_quorum, bit 2 read_index), so that checkers know what to hold the implementation to;
// snapshots announce themselves with their own events (43..46).
struct RaftFeatures {
  bool pre_vote = false;      // thesis 9.6: a pre-vote round (term + 1, no state change) before each election
  bool check_quorum = false;  // thesis 6.2/9.6: a leader without contact to a majority for an election timeout steps down
  // Paper 7: snapshot every N applied entries and compact the log (0: never).
  std::uint32_t snapshot_every_entries = 0;
  std::uint32_t snapshot_trailing_entries = 4;  // log entries kept before the snapshot index
  std::uint32_t snapshot_chunk_bytes = 512;     // InstallSnapshot data per message
  // Thesis 6.4: reads (gets) answered by ReadIndex, without a log entry (event read_served per read).
  bool read_index = false;
  // Thesis 4: membership changes (faults add_member / remove_member) may happen; the cluster starts with
  // nodes 0..initial_members-1 as its voters and the others as spares outside it (0: every node a voter).
  bool membership = false;
  std::uint32_t initial_members = 0;
  // Thesis 6.4.1: leader leases (event lease_read per read answered under one), sound while no node's clock
  // runs more than clock_drift_bound times as fast as another's (the clock fault can break that; the
  // simulator announces the bound with a lease_bound event after timing).
  bool lease_reads = false;
  double clock_drift_bound = 1.1;
};
// What an implementation can honour: each RaftFeatures switch, and Node::on_transfer_leadership. The
// generic fuzz configuration (nemesis.features) draws only what the implementation under test declares,
// so that it runs against any Raft; a scenario that asks for more explicitly still gets a clear refusal.
struct FeatureSupport {
  bool pre_vote = false;
  bool check_quorum = false;
  bool transfer_leadership = false;
  // Paper 7: RaftFeatures::snapshot_every_entries and its companions (nemesis.snapshots draws them).
  bool snapshots = false;
  // Thesis 6.4: RaftFeatures::read_index (nemesis.features draws it).
  bool read_index = false;
  // Thesis 4: RaftFeatures::membership and Node::on_membership_change (nemesis.membership draws them).
  bool membership = false;
  // Thesis 10.2.1: RaftTiming::max_inflight_appends, the flow-control window (nemesis.swarm_config draws it).
  bool inflight_window = false;
  // Thesis 6.4.1: RaftFeatures::lease_reads (nemesis.features draws it, with clock rates within the bound).
  bool lease_reads = false;
  // Node::on_disk_error: a write that fails with an I/O error reaches the implementation (fault fail_disk_writes).
  bool disk_write_errors = false;
  // PreVote, CheckQuorum and leadership transfer. Not snapshots, ReadIndex, leases, membership or the window:
  // only the reference Raft takes them here, and it declares so itself.
  static FeatureSupport all() { return FeatureSupport{true, true, true, false, false, false, false, false}; }
};
inline constexpr std::uint16_t kFeaturePreVoteBit = 1;
inline constexpr std::uint16_t kFeatureCheckQuorumBit = 2;
inline constexpr std::uint16_t kFeatureReadIndexBit = 4;
inline constexpr std::uint16_t kFeatureMembershipBit = 8;
inline constexpr std::uint16_t kFeatureLeaseReadsBit = 16;
inline std::uint16_t feature_bits(const RaftFeatures& f) {
  return static_cast<std::uint16_t>((f.pre_vote ? kFeaturePreVoteBit : 0) | (f.check_quorum ? kFeatureCheckQuorumBit : 0) |
                                    (f.read_index ? kFeatureReadIndexBit : 0) | (f.membership ? kFeatureMembershipBit : 0) |
                                    (f.lease_reads ? kFeatureLeaseReadsBit : 0));
}
// For an implementation that takes no snapshots (paper 7) and serves no ReadIndex (thesis 6.4) or lease reads
// (6.4.1) here:
// refuses a scenario that switches either on,
// naming the field, instead of running without them. `implementation` and `why` are for the message.
inline void refuse_reference_only_features(const RaftFeatures& f, std::string_view implementation, std::string_view why) {
  if (f.lease_reads) {
    throw AdapterError("cluster.lease_reads: true asks for leader lease reads (thesis 6.4.1), which implementation '" +
                       std::string(implementation) + "' does not support here; use false (the default) or impl \"reference\"");
  }
  if (f.membership) {
    throw AdapterError("cluster.initial_members (or an add_member/remove_member fault) asks for membership changes "
                       "(thesis 4), which implementation '" + std::string(implementation) +
                       "' does not support here; leave them out or use impl \"reference\"");
  }
  if (f.read_index) {
    throw AdapterError("cluster.read_index: true asks for ReadIndex reads (thesis 6.4), which implementation '" +
                       std::string(implementation) + "' does not support here; use false (the default) or impl \"reference\"");
  }
  if (f.snapshot_every_entries == 0) return;
  throw AdapterError("cluster.snapshot_every_entries: " + std::to_string(f.snapshot_every_entries) +
                     " asks for snapshots, which implementation '" + std::string(implementation) +
                     "' does not support (" + std::string(why) + "); use 0 (the default) or impl \"reference\"");
}

// What a node may ask of its host at any time (adapters for real libraries need both; the reference Raft
// needs neither): the node's own clock, and randomness drawn from the simulator's seeded timer stream.
class NodeEnvironment {
 public:
  virtual ~NodeEnvironment() = default;
  virtual Time now() const = 0;
  virtual std::int64_t random_between(std::int64_t lo, std::int64_t hi) = 0;  // inclusive
};

struct NodeContext {
  NodeIndex id = 0;
  std::uint32_t cluster_size = 1;
  RaftTiming timing;
  RaftFeatures features;
  std::span<const PayloadPtr> durable_records;  // empty for a fresh node
  NodeEnvironment* env = nullptr;               // outlives the node
};

class NodeFactory : public LabelNames {
 public:
  // Creates a node, fresh (no records) or restarted from what its disk had made durable.
  virtual std::unique_ptr<Node> create(const NodeContext& context) = 0;
  virtual std::string_view implementation_name() const = 0;
  // What the implementation can say about the first error it reported (an impl_error observation), in
  // words, for the finding's report ("" if nothing more than the observation's codes).
  virtual std::string failure_details() const { return {}; }
};

}  // namespace sim
