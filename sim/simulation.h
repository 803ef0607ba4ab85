// One seeded simulation of a cluster: nodes behind the host interface, a lossy network, per-node disks,
// clients, and a fault schedule, all driven by one event queue on a virtual clock. Single-threaded by
// design: one seed, one thread, one trace.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/disk.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/node_host.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "sim/trace.h"
#include "sim/workload.h"

namespace sim {

// A node named by a fault: a fixed index, or whoever is the leader when the fault fires.
struct NodeRef {
  // index: a fixed node; leader: whoever leads when the fault fires; triggering: the node whose event fired
  // the fault's trigger (triggered faults only).
  enum class Kind : std::uint8_t { index, leader, triggering };
  Kind kind = Kind::index;
  NodeIndex index = 0;
};

// A fault that fires when a node does something rather than at a time: the moment a bug needs, e.g. a
// crash right after a node truncated its log and before that write is durable, a partition right after a
// vote was granted. Armed from the fault's `at`; the n-th matching event from then on is the first
// candidate, and each candidate fires with `probability` (drawn from the fault stream) until one does.
struct FaultTrigger {
  EventKind event = EventKind::commit;  // an event with node = the acting node (role, vote, log_truncate, ...)
  std::optional<NodeIndex> node;        // only this node's events (default: any node's)
  std::optional<std::uint64_t> role;    // role events only: becoming this role (sim::Role)
  std::uint32_t nth = 1;
  double probability = 1.0;
  Duration delay{};  // the fault fires this long after the event (0: right after the step that emitted it)
};

struct Fault {
  enum class Kind : std::uint8_t {
    partition,  // two-way, see Shape
    isolate,    // two-way: `nodes` each cut off from everyone
    block,      // one-way: every link from -> to blocked
    unblock,
    heal,       // every link works normally again (unblocked, unclogged, not degraded)
    crash,
    restart,
    pause,
    resume,
    clog,       // links from -> to hold every message until unclogged (or healed)
    unclog,     // releases what the links held, in order
    degrade,    // links from -> to get `degradation` (zero degradation restores them)
    clock,      // `nodes`' clocks run at `factor` times real time (timers fire early or late)
    disk_speed, // `nodes`' disks take `factor` times as long
    transfer_leadership,  // the leader is asked to hand over to `to` (empty: any node; thesis 3.10)
    add_member,     // the leader is asked to add nodes[0] to the cluster (thesis 4.1; a learner first, 4.2.1)
    remove_member,  // the leader is asked to remove nodes[0] (which may be itself, thesis 4.2.2)
    disk_errors,    // `nodes`' disks fail every write issued from now (factor 1) or none again (factor 0)
  };
  enum class Shape : std::uint8_t {
    groups,             // `groups` talk only within themselves; unlisted nodes form one more group
    majority_minority,  // a random minority (floor(n/2) nodes) is cut off from the majority
    bridge,             // two halves that only one (random) bridge node can talk to both of
    ring,               // each node talks only to its two neighbours in a random ring
  };
  Time at;
  Kind kind = Kind::heal;
  Shape shape = Shape::groups;               // partition
  std::vector<NodeRef> nodes;                // isolate, crash, restart, pause, resume, clock, disk_speed
  std::vector<std::vector<NodeRef>> groups;  // partition with Shape::groups
  std::vector<NodeRef> from;                 // block, unblock, clog, unclog, degrade
  std::vector<NodeRef> to;                   // block, unblock, clog, unclog, degrade; transfer_leadership's target
  LinkDegradation degradation;               // degrade
  double factor = 1.0;                       // clock, disk_speed, disk_errors (1 on, 0 off)
  // A fault that undoes an earlier one (a "duration_ms" in a scenario) acts on exactly the nodes the
  // earlier one resolved when it fired: "crash the leader" is undone by restarting that node, not
  // whoever leads by then. 0: none. `id` names a fault for this purpose (0: unnamed).
  std::uint32_t id = 0;
  std::uint32_t undoes = 0;
  // Set: the fault waits for this trigger (armed at `at`); its undo, if any, keeps its distance from it.
  std::optional<FaultTrigger> trigger;
};

const char* partition_shape_name(Fault::Shape shape);

const char* fault_kind_name(Fault::Kind kind);

// How the host machines behave apart from the network and disks: the symmetry breakers of real systems
// (issue 12 item 3). All off by default, which keeps every earlier trace as it was: timers fire exactly,
// nodes start together and take no time to think.
struct HostModel {
  // Extra real time added to every timer (scheduler delay), on top of the delay the Raft asked for and
  // drawn separately from it: a Raft with fixed timeouts still elects a leader under jitter.
  std::optional<LatencyModel> timer_jitter;
  // Node n starts at a time drawn uniformly from [0, start_spread] (a cluster started by hand or by a
  // deployment tool); until then it is down (messages to it are lost, requests to it time out).
  Duration start_spread{};
  // The time one input (message, timer, disk completion, client request) occupies a node. The node's
  // step, its state change and outputs, takes effect at the end of it; inputs that arrive meanwhile wait
  // in order, except that timers go ahead of the other inputs (an event loop runs its due timers between
  // steps). A pause lands between steps: a step in progress completes.
  std::optional<LatencyModel> processing;

  bool any() const { return timer_jitter.has_value() || start_spread.us > 0 || processing.has_value(); }
};

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint32_t nodes = 5;
  RaftTiming timing;
  RaftFeatures features;  // passed to every node (NodeContext)
  NetworkConfig network;
  DiskConfig disk;
  Duration timer_granularity{};  // 0: exact; otherwise timers fire on multiples (more same-instant races)
  HostModel host;
  WorkloadConfig workload;
  Duration duration = Duration::millis(10'000);  // the fault phase
  std::vector<Fault> faults;                     // sorted by time, all within `duration`
  // Liveness phase: after `duration` everything is healed (links, crashed and paused nodes) and the
  // cluster gets `liveness_window` to elect a leader and complete client operations.
  bool liveness = true;
  Duration liveness_window = Duration::millis(5'000);
  // false: the liveness phase leaves the faults in place (to show that a cluster without a quorum stalls).
  bool liveness_heals = true;
  // A leader (in the highest term any node knows) must exist within this many maximum election timeouts
  // of the heal. 0: no such bound.
  std::uint32_t leader_within_election_timeouts = 10;
  std::size_t max_events = 50'000'000;  // safety valve against runaway simulations
};

struct SimMetrics {
  std::uint64_t events = 0;
  std::uint64_t elections = 0;       // times a node became candidate
  std::uint64_t leaders_elected = 0;  // times a node became leader
  std::uint64_t max_term = 0;
  std::int64_t first_leader_us = -1;  // when the first leader was elected (-1: never): time to converge
  std::uint64_t split_votes = 0;      // terms in which some node stood as candidate and no one won
  std::uint64_t ops_invoked = 0;
  std::uint64_t ops_ok = 0;
  std::uint64_t ops_fail = 0;
  std::uint64_t ops_info = 0;
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t stale_discarded = 0;  // timers, messages, disk completions and requests for dead incarnations
  NetworkCounters network;
  DiskCounters disk;  // summed over nodes
};

class Simulation {
 public:
  // The trace's bitmasks (a partition's first group, a configuration's voters) hold one bit per node.
  static constexpr std::uint32_t kNodesMax = 64;

  Simulation(SimConfig config, NodeFactory& factory, Trace& trace);
  ~Simulation();

  // Runs until the end of the liveness phase, or until a trace sink asks to stop.
  void run();

  Time now() const { return queue_.now(); }
  Time end_time() const { return end_time_; }
  bool stopped_early() const { return trace_.stop_requested() || !runaway_.empty(); }
  // Why the run was cut short by the simulator's own bounds ("" if it was not).
  const std::string& runaway() const { return runaway_; }
  SimMetrics metrics() const;
  // The client history, if kept (the default; see set_history_sink).
  const std::vector<HistoryEvent>& history() const { return history_; }
  // Hands every history event to `sink` the moment it happens (a streaming consumer such as the runner's
  // linearizability check); with keep_history false the simulation then keeps no copy, so a long run does
  // not hold its whole history. Call before run(). The sink only reads: it cannot reach the trace.
  void set_history_sink(std::function<void(const HistoryEvent&)> sink, bool keep_history) {
    history_sink_ = std::move(sink);
    keep_history_ = keep_history;
  }
  const SimConfig& config() const { return config_; }

 private:
  struct Deliver {
    NodeIndex from;
    NodeIndex to;
    std::uint32_t to_incarnation;
    PayloadPtr payload;
    MessageSummary summary;
  };
  struct TimerFire {
    NodeIndex node;
    std::uint32_t incarnation;
    std::uint16_t slot;
    std::uint64_t generation;
  };
  struct DiskDone {
    NodeIndex node;
    std::uint32_t incarnation;
    std::uint64_t token;
    bool failed = false;  // set when the device completes it: an I/O error (Node::on_disk_error)
  };
  // A node stopped itself (a node_stopped observation): its process ends, as after a fatal error.
  struct NodeExit {
    NodeIndex node;
    std::uint32_t incarnation;
  };
  struct FaultFire {
    std::size_t index;
    std::optional<NodeIndex> triggering;  // the node whose event fired the fault's trigger
  };
  struct ArmedTrigger {
    std::size_t fault;       // index into config_.faults
    std::uint32_t matches = 0;
  };
  struct ClientArrive {
    NodeIndex node;
    std::uint32_t incarnation;
    ClientRequest request;
    std::uint32_t attempt;  // which attempt of the client's operation this copy belongs to
  };
  struct ClientReplyArrive {
    std::uint32_t client;
    ClientReply reply;
    std::uint32_t attempt;  // the attempt the reply answers, as far as the node's input tells (0: unknown)
  };
  struct ClientWake {
    std::uint32_t client;
    std::uint64_t generation;
  };
  struct ClientDeadline {
    std::uint32_t client;
    std::uint64_t op_id;
    std::uint32_t round;  // 0: the first attempt's; k: the k-th retry after an unknown outcome
  };
  struct PhaseChange {
    std::uint32_t phase;
  };
  struct NodeStart {  // HostModel::start_spread: a node's first start
    NodeIndex node;
  };
  struct NodeReady {  // HostModel::processing: the input a node was busy with takes effect now
    NodeIndex node;
    std::uint32_t incarnation;
  };
  using Event = std::variant<Deliver, TimerFire, DiskDone, FaultFire, ClientArrive, ClientReplyArrive, ClientWake,
                             ClientDeadline, PhaseChange, NodeStart, NodeReady, NodeExit>;

  enum class Status : std::uint8_t { up, crashed, paused };
  class Environment;
  struct NodeSlot;
  struct Client;

  void dispatch(Event& event);
  void on_deliver(Deliver& d);
  void on_timer(const TimerFire& t);
  void on_disk_done(const DiskDone& d);
  void on_fault(const Fault& f);
  void on_client_arrive(ClientArrive& c);
  void on_client_reply(ClientReplyArrive& r);
  void on_client_wake(const ClientWake& w);
  void on_client_deadline(const ClientDeadline& d);
  void on_phase(const PhaseChange& p);
  void on_node_start(const NodeStart& s);
  void on_node_ready(const NodeReady& r);
  // HostModel::processing: true if `input`, admitted for node `n`, now waits (the node is busy, or
  // becomes busy with it); false if it is to be handled at once.
  bool occupy(NodeIndex n, Event& input);
  // An admitted input for node `n`: deferred if the node is paused, queued if it is busy (processing
  // time), else handled now by `execute_now`.
  template <typename Input, typename Execute>
  void hand_to_node(NodeIndex n, Input& input, Execute&& execute_now);
  // The second half of an input's handling, once admitted and the node is free: the input event in the
  // trace, the node's step, its outputs.
  void execute(NodeIndex n, Event& input);
  void execute_deliver(Deliver& d);
  void execute_timer(const TimerFire& t);
  void execute_disk_done(const DiskDone& d, bool told_late);
  void execute_client_arrive(ClientArrive& a);
  void run_waiting(NodeIndex n);
  std::uint64_t leader_deadline_us() const;
  void transfer_leadership(const Fault& f);
  void change_membership(const Fault& f);

  // Runs `call` on node `n` and turns its output into events.
  template <typename Call>
  void call_node(NodeIndex n, Call&& call);
  void process_output(NodeIndex n);
  void send_message(NodeIndex from, OutgoingMessage& m);

  NodeContext context_for(NodeIndex n);
  void crash(NodeIndex n);
  void restart(NodeIndex n);
  void pause(NodeIndex n);
  void resume(NodeIndex n);
  void heal_all();
  void partition(const Fault& f);
  void release_held(NodeIndex from, NodeIndex to);
  template <typename Fn>
  void for_links(const Fault& f, Fn&& fn);
  std::optional<NodeIndex> resolve(const NodeRef& ref) const;
  std::vector<NodeIndex> resolve_all(const std::vector<NodeRef>& refs) const;
  // The fault with its node references resolved to fixed indexes (and remembered for its undo).
  Fault resolve_fault(const Fault& f);
  bool deferred_if_paused(NodeIndex n, Event& event);
  void discard_stale(NodeIndex n, std::uint16_t what);

  // The event queue's armed index of client c's deadline (after every node's timer slots).
  std::size_t deadline_index(std::uint32_t c) const;
  void start_next_op(std::uint32_t c);
  void send_attempt(std::uint32_t c);
  void retry_or_give_up(std::uint32_t c, const ClientReply* reply);
  void finish_op(std::uint32_t c, HistoryEvent::Type type, const ClientReply* reply);
  Duration client_latency();
  // The network between clients and node n, each way: the network's duplication, and the strongest
  // duplication and late delivery among n's degraded links (its incoming ones for requests).
  struct ClientLink {
    double duplicate_probability = 0.0;
    double late_probability = 0.0;
    Duration late_min{};
    Duration late_max{};
  };
  ClientLink client_link(NodeIndex n, bool to_node) const;
  Duration client_delay(const ClientLink& link, Duration base);
  void send_client_request(std::uint32_t c, ClientRequest r, std::uint32_t attempt);
  void send_client_reply(NodeIndex from, ClientReply r);

  // Node n's incarnation (see incarnations_).
  std::uint32_t incarnation(NodeIndex n) const { return incarnations_[static_cast<std::size_t>(n) + 1]; }
  void check_triggers(const TraceEvent& e);
  bool undoes_triggered(const Fault& f) const;
  void emit(EventKind kind, std::int32_t node, std::int32_t peer, std::uint16_t label = 0, std::uint64_t a = 0,
            std::uint64_t b = 0, std::uint64_t c = 0);

  SimConfig config_;
  NodeFactory& factory_;
  Trace& trace_;
  Rng rng_network_;
  Rng rng_timers_;
  Rng rng_workload_;
  Rng rng_tiebreak_;
  Rng rng_disk_;
  Rng rng_faults_;
  Rng rng_client_retry_;
  Rng rng_client_network_;
  Rng rng_host_;  // HostModel draws only: a run without a host model draws nothing from it
  EventQueue<Event> queue_;
  Network network_;
  std::vector<std::unique_ptr<NodeSlot>> nodes_;
  // Each node's incarnation, incremented at every crash: events stamped with an older one belong to a dead
  // process. Flat, not in NodeSlot, because emit stamps every trace event with it (through the slot's
  // pointer that was three dependent loads and a branch): node n's at index n + 1, and index 0 stands for
  // node -1 (cluster-wide events), whose incarnation is always 0, so emit reads it without a branch.
  std::array<std::uint32_t, kNodesMax + 1> incarnations_{};
  std::vector<Client> clients_;
  std::vector<HistoryEvent> history_;
  std::function<void(const HistoryEvent&)> history_sink_;
  bool keep_history_ = true;
  void record_history(HistoryEvent e);
  std::vector<std::vector<Deliver>> held_;
  std::map<std::uint32_t, Fault> resolved_by_id_;
  std::vector<ArmedTrigger> armed_triggers_;  // triggered faults not fired yet, in fault order
  std::optional<NodeIndex> triggering_;       // while a triggered fault resolves: the node that fired it  // per directed link (from * nodes + to): messages on a clogged link
  NodeOutput out_;  // reused for every node call: no allocation per event in steady state
  // While a node handles a client request: which one, so that the replies it gives at once are known to
  // answer that attempt (and a rejection there to mean the attempt was not proposed).
  struct Arriving {
    std::uint64_t client = 0;
    std::uint64_t request_id = 0;
    std::uint32_t attempt = 0;
    bool rejected = false;
  };
  std::optional<Arriving> arriving_;
  Time end_time_{};
  Time clients_stop_at_{};
  std::uint64_t next_op_id_ = 1;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t next_process_ = 0;
  SimMetrics metrics_;
  std::string runaway_;
  std::set<std::uint64_t> candidate_terms_;
  std::set<std::uint64_t> leader_terms_;
};

}  // namespace sim
