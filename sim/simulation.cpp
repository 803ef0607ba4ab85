#include "sim/simulation.h"

#include <algorithm>
#include <deque>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"

namespace sim {

namespace {
constexpr std::size_t kTimerSlotsMax = 8;
constexpr std::size_t kDeferredEventsMax = 1'000'000;  // events buffered for one paused node
constexpr std::size_t kEventQueueMax = 10'000'000;
// A run stops as "runaway" when this many events are pending: the implementation floods the network
// (far above any healthy cluster's few thousand), and the bound keeps memory in check.
constexpr std::size_t kPendingEventsRunaway = 2'000'000;

// Labels of `stale_discarded` events: what kind of event was addressed to a dead incarnation.
enum StaleWhat : std::uint16_t { stale_timer = 0, stale_disk = 1, stale_client_request = 2 };
}  // namespace

const char* fault_kind_name(Fault::Kind kind) {
  switch (kind) {
    case Fault::Kind::partition: return "partition";
    case Fault::Kind::isolate: return "isolate";
    case Fault::Kind::block: return "block";
    case Fault::Kind::unblock: return "unblock";
    case Fault::Kind::heal: return "heal";
    case Fault::Kind::crash: return "crash";
    case Fault::Kind::restart: return "restart";
    case Fault::Kind::pause: return "pause";
    case Fault::Kind::resume: return "resume";
    case Fault::Kind::clog: return "clog";
    case Fault::Kind::unclog: return "unclog";
    case Fault::Kind::degrade: return "degrade";
    case Fault::Kind::clock: return "clock";
    case Fault::Kind::disk_speed: return "disk_speed";
    case Fault::Kind::disk_errors: return "disk_errors";
    case Fault::Kind::transfer_leadership: return "transfer_leadership";
    case Fault::Kind::add_member: return "add_member";
    case Fault::Kind::remove_member: return "remove_member";
  }
  return "?";
}

const char* partition_shape_name(Fault::Shape shape) {
  switch (shape) {
    case Fault::Shape::groups: return "groups";
    case Fault::Shape::majority_minority: return "majority_minority";
    case Fault::Shape::bridge: return "bridge";
    case Fault::Shape::ring: return "ring";
  }
  return "?";
}

// A node's view of its host between inputs: its own clock and the timer stream. The clock runs at
// `rate` times real time (clock skew and drift faults); timers are set in local time.
class Simulation::Environment final : public NodeEnvironment {
 public:
  Environment(const EventQueue<Event>& queue, Rng& rng) : queue_(queue), rng_(rng) {}
  Time now() const override {
    const double elapsed = static_cast<double>((queue_.now() - real_base_).us) * rate_;
    return local_base_ + Duration::micros(static_cast<std::int64_t>(elapsed));
  }
  std::int64_t random_between(std::int64_t lo, std::int64_t hi) override { return rng_.between(lo, hi); }

  void set_rate(double rate) {
    RAFTSIM_ASSERT(rate > 0.0);
    local_base_ = now();
    real_base_ = queue_.now();
    rate_ = rate;
  }
  double rate() const { return rate_; }
  // How long a local duration takes in real time.
  Duration to_real(Duration local) const {
    if (rate_ == 1.0) return local;
    return Duration::micros(static_cast<std::int64_t>(static_cast<double>(local.us) / rate_));
  }

 private:
  const EventQueue<Event>& queue_;
  Rng& rng_;
  double rate_ = 1.0;
  Time local_base_{};
  Time real_base_{};
};

struct Simulation::NodeSlot {
  NodeSlot(const DiskConfig& disk_config, const EventQueue<Event>& queue, Rng& rng) : disk(disk_config), env(queue, rng) {}
  std::unique_ptr<Node> node;  // its incarnation: Simulation::incarnations_
  Status status = Status::up;
  std::uint64_t timer_generation[kTimerSlotsMax] = {};
  std::vector<Event> deferred;  // events that arrived while paused, in arrival order
  // HostModel::processing: the input being worked on (the node is busy while it is set), and admitted
  // inputs waiting for it, each queue in arrival order: due timers go first (see occupy).
  std::optional<Event> in_progress;
  std::deque<Event> waiting_timers;
  std::deque<Event> waiting;
  bool has_waiting() const { return !waiting_timers.empty() || !waiting.empty(); }
  bool ready_at_resume = false;  // the step in progress finished its time during a pause
  bool started = true;  // false until HostModel::start_spread's start time
  Disk disk;
  Environment env;
  std::uint64_t role = 0;
  std::uint64_t term = 0;
};

struct Simulation::Client {
  std::uint64_t process = 0;
  enum class State : std::uint8_t { idle, waiting, backoff, done } state = State::idle;
  std::uint64_t generation = 0;  // invalidates stale ClientWake events
  HistoryEvent op;               // the invoke of the current operation
  // The current operation's request id: every attempt of it carries the same one, so that a Raft with
  // client sessions (thesis 6.3) can tell a retry from a new request.
  std::uint64_t request_id = 0;
  NodeIndex target = 0;          // where the client believes the leader is
  std::uint32_t attempt = 0;     // attempts sent for the current operation (1 = the first)
  std::uint32_t round = 0;       // retries after an unknown outcome so far
  // Some attempt may have been proposed (a node took a copy without rejecting it at once, an unknown
  // reply, a timeout): the operation may have been applied, so it can no longer end as fail.
  bool uncertain = false;
  // Copies of the current request still travelling or waiting at a paused node: while any is, a rejection
  // so far proves nothing, since a copy may still reach a leader.
  std::uint32_t copies_in_flight = 0;
  std::vector<std::uint32_t> attempt_at_node;  // the latest attempt of the current request each node took
  bool in_operation() const { return state == State::waiting || state == State::backoff; }
};

Simulation::Simulation(SimConfig config, NodeFactory& factory, Trace& trace)
    : config_(std::move(config)),
      factory_(factory),
      trace_(trace),
      rng_network_(config_.seed, Stream::network),
      rng_timers_(config_.seed, Stream::timers),
      rng_workload_(config_.seed, Stream::workload),
      rng_tiebreak_(config_.seed, Stream::tiebreak),
      rng_disk_(config_.seed, Stream::disk),
      rng_faults_(config_.seed, Stream::faults),
      rng_client_retry_(config_.seed, Stream::client_retry),
      rng_client_network_(config_.seed, Stream::client_network),
      rng_host_(config_.seed, Stream::host),
      queue_(rng_tiebreak_, kEventQueueMax),
      network_(config_.nodes, config_.network, rng_network_) {
  RAFTSIM_ASSERT(config_.nodes >= 1);
  RAFTSIM_ASSERT(config_.nodes <= kNodesMax);
  RAFTSIM_ASSERT(config_.duration.us > 0);
  RAFTSIM_ASSERT(std::is_sorted(config_.faults.begin(), config_.faults.end(),
                                [](const Fault& a, const Fault& b) { return a.at < b.at; }));
  // Armed indexes: each node's timer slots, then each client's deadline.
  queue_.set_armed_indexes(static_cast<std::size_t>(config_.nodes) * kTimerSlotsMax + config_.workload.clients);
  for (NodeIndex n = 0; n < config_.nodes; ++n) nodes_.push_back(std::make_unique<NodeSlot>(config_.disk, queue_, rng_timers_));
  for (NodeIndex n = 0; n < config_.nodes; ++n) incarnations_[n + 1] = 1;  // the first process; [0] stays 0
  clients_.resize(config_.workload.clients);
  held_.resize(static_cast<std::size_t>(config_.nodes) * config_.nodes);
  end_time_ = Time{} + config_.duration + (config_.liveness ? config_.liveness_window : Duration{});
  // Clients stop starting operations early enough for the last one to finish or time out (in a run
  // shorter than one timeout they go on to the end, and the last operations stay open).
  clients_stop_at_ = end_time_ - config_.workload.request_timeout - config_.workload.think_time;
  if (clients_stop_at_ <= Time{}) clients_stop_at_ = end_time_;
}

Simulation::~Simulation() = default;

void Simulation::emit(EventKind kind, std::int32_t node, std::int32_t peer, std::uint16_t label, std::uint64_t a,
                      std::uint64_t b, std::uint64_t c) {
  // -1 (cluster-wide) or a node: incarnations_[node + 1] is in bounds, and 0 for -1.
  RAFTSIM_ASSERT(node >= -1 && node < static_cast<std::int32_t>(kNodesMax));
  // (A node beyond the cluster would read incarnation 0: checked in debug builds, off the hot path.)
  if constexpr (RAFTSIM_DEBUG_INVARIANTS) RAFTSIM_ASSERT(node < static_cast<std::int32_t>(config_.nodes));
  const std::uint32_t inc = incarnations_[static_cast<std::size_t>(node + 1)];
  // Built as a value and hashed from registers (Trace::hash_and_keep), then kept in the trace's ring.
  const TraceEvent& recorded = trace_.hash_and_keep(TraceEvent{queue_.now().us, kind, label, node, peer, inc, a, b, c});
  // The triggers before the sinks (the order is free: check_triggers only schedules, it records nothing):
  // emit's own work is done before the sinks' virtual calls, so less of it is kept live across them.
  if (!armed_triggers_.empty() && node >= 0) check_triggers(recorded);
  trace_.fan_out(recorded);
}

bool Simulation::undoes_triggered(const Fault& f) const {
  if (f.undoes == 0) return false;
  for (const Fault& g : config_.faults) {
    if (g.id == f.undoes) return g.trigger.has_value();
  }
  return false;
}

// Fires the armed triggers this event matches: the fault at now + delay, its undo as far after that as
// the scenario put it after the fault's `at`.
void Simulation::check_triggers(const TraceEvent& e) {
  for (std::size_t t = 0; t < armed_triggers_.size();) {
    ArmedTrigger& armed = armed_triggers_[t];
    const Fault& f = config_.faults[armed.fault];
    const FaultTrigger& trig = *f.trigger;
    const bool match = e.kind == trig.event && queue_.now() >= f.at &&
                       (!trig.node || static_cast<std::int32_t>(*trig.node) == e.node) &&
                       (!trig.role || (e.kind == EventKind::role && e.a == *trig.role));
    if (!match || ++armed.matches < trig.nth ||
        (trig.probability < 1.0 && !rng_faults_.bernoulli(trig.probability))) {
      ++t;
      continue;
    }
    const auto node = static_cast<NodeIndex>(e.node);
    const Time fire_at = queue_.now() + trig.delay;
    queue_.push(fire_at, FaultFire{armed.fault, node});
    for (std::size_t u = 0; u < config_.faults.size(); ++u) {
      const Fault& undo = config_.faults[u];
      if (f.id == 0 || undo.undoes != f.id) continue;
      RAFTSIM_ASSERT(undo.at >= f.at);
      queue_.push(fire_at + (undo.at - f.at), FaultFire{u, node});
    }
    armed_triggers_.erase(armed_triggers_.begin() + static_cast<std::ptrdiff_t>(t));
  }
}

NodeContext Simulation::context_for(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  NodeContext c;
  c.id = n;
  c.cluster_size = config_.nodes;
  c.timing = config_.timing;
  c.features = config_.features;
  c.durable_records = slot.disk.durable();
  c.env = &slot.env;
  return c;
}

void Simulation::run() {
  RAFTSIM_ASSERT(queue_.empty());
  // The timing the Raft was asked for, so that rule checkers reading only the stream can judge timers.
  emit(EventKind::timing, -1, -1, feature_bits(config_.features), static_cast<std::uint64_t>(config_.timing.election_timeout_min.us),
       static_cast<std::uint64_t>(config_.timing.election_timeout_max.us),
       static_cast<std::uint64_t>(config_.timing.heartbeat_interval.us));
  if (config_.features.lease_reads) {
    // Thesis 6.4.1: the clock rate bound the leases count on, so that checkers know when the clocks broke it.
    RAFTSIM_ASSERT(config_.features.clock_drift_bound >= 1.0);
    emit(EventKind::lease_bound, -1, -1, 0, static_cast<std::uint64_t>(config_.features.clock_drift_bound * 1e6));
  }
  for (NodeIndex n = 0; n < config_.nodes; ++n) {
    if (config_.host.start_spread.us > 0) {
      // Down until its start time, as if crashed: messages to it are lost, requests to it time out.
      NodeSlot& slot = *nodes_[n];
      slot.status = Status::crashed;
      slot.started = false;
      queue_.push(Time{} + Duration::micros(rng_host_.between(0, config_.host.start_spread.us)), NodeStart{n});
      continue;
    }
    NodeSlot& slot = *nodes_[n];
    slot.node = factory_.create(context_for(n));
    RAFTSIM_ASSERT(slot.node != nullptr);
    call_node(n, [&](Node& node) { node.start(out_); });
  }
  for (std::size_t i = 0; i < config_.faults.size(); ++i) {
    const Fault& f = config_.faults[i];
    if (f.trigger) {
      armed_triggers_.push_back(ArmedTrigger{i});
    } else if (!undoes_triggered(f)) {
      queue_.push(f.at, FaultFire{i, std::nullopt});
    }
  }
  if (config_.liveness) queue_.push(Time{} + config_.duration, PhaseChange{1});
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    clients_[c].process = next_process_++;
    clients_[c].target = static_cast<NodeIndex>(rng_workload_.below(config_.nodes));
    const Duration start = Duration::micros(rng_workload_.between(0, config_.workload.think_time.us));
    queue_.push(Time{} + start, ClientWake{c, clients_[c].generation}, rng_workload_);
  }

  while (!queue_.empty() && !trace_.stop_requested()) {
    if (trace_.event_count() >= config_.max_events || queue_.size() >= kPendingEventsRunaway) [[unlikely]] {
      if (queue_.next_time() > end_time_) break;  // the run ends here anyway: not a runaway
      runaway_ = fmt::format("the run was stopped at {:.3f}ms with {} events done and {} pending: the cluster "
                             "floods the simulator (more than {} events, or {} pending)",
                             static_cast<double>(queue_.now().us) / 1000.0, trace_.event_count(), queue_.size(),
                             config_.max_events, kPendingEventsRunaway);
      break;
    }
    // Stops at the first event after the end (not popped).
    if (!queue_.pop_into_until(end_time_, [this](Event& event) { dispatch(event); })) break;
  }
}

void Simulation::dispatch(Event& event) {
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Deliver>) {
          on_deliver(e);
        } else if constexpr (std::is_same_v<T, TimerFire>) {
          if (incarnation(e.node) == e.incarnation && nodes_[e.node]->status != Status::crashed &&
              deferred_if_paused(e.node, event)) {
            return;
          }
          on_timer(e);
        } else if constexpr (std::is_same_v<T, DiskDone>) {
          on_disk_done(e);
        } else if constexpr (std::is_same_v<T, FaultFire>) {
          triggering_ = e.triggering;
          const Fault resolved = resolve_fault(config_.faults[e.index]);
          triggering_.reset();
          on_fault(resolved);
        } else if constexpr (std::is_same_v<T, ClientArrive>) {
          on_client_arrive(e);
        } else if constexpr (std::is_same_v<T, ClientReplyArrive>) {
          on_client_reply(e);
        } else if constexpr (std::is_same_v<T, ClientWake>) {
          on_client_wake(e);
        } else if constexpr (std::is_same_v<T, ClientDeadline>) {
          on_client_deadline(e);
        } else if constexpr (std::is_same_v<T, PhaseChange>) {
          on_phase(e);
        } else if constexpr (std::is_same_v<T, NodeStart>) {
          on_node_start(e);
        } else if constexpr (std::is_same_v<T, NodeReady>) {
          on_node_ready(e);
        } else if constexpr (std::is_same_v<T, NodeExit>) {
          // The process ends (etcd panics on a failed WAL write): like a crash, unsynced writes are lost, and
          // only a restart (a fault, or the liveness phase) brings the node back.
          if (incarnation(e.node) == e.incarnation && nodes_[e.node]->status != Status::crashed) crash(e.node);
        }
      },
      event);
}

template <typename Input, typename Execute>
void Simulation::hand_to_node(NodeIndex n, Input& input, Execute&& execute_now) {
  const NodeSlot& slot = *nodes_[n];
  RAFTSIM_ASSERT(slot.status != Status::crashed);
  // Off the common path only: the input becomes an Event (a move, no copy of its payload) when it has to
  // wait for a paused or busy node.
  if (slot.status == Status::paused) {
    Event e{std::move(input)};
    deferred_if_paused(n, e);
    return;
  }
  if (config_.host.processing) {
    Event e{std::move(input)};
    if (!occupy(n, e)) execute(n, e);
    return;
  }
  execute_now();
}

bool Simulation::deferred_if_paused(NodeIndex n, Event& event) {
  NodeSlot& slot = *nodes_[n];
  if (slot.status != Status::paused) return false;
  RAFTSIM_ASSERT_MSG(slot.deferred.size() < kDeferredEventsMax, "too many events buffered for a paused node");
  slot.deferred.push_back(std::move(event));
  return true;
}

void Simulation::discard_stale(NodeIndex n, std::uint16_t what) {
  ++metrics_.stale_discarded;
  emit(EventKind::stale_discarded, static_cast<std::int32_t>(n), -1, what);
}

template <typename Call>
void Simulation::call_node(NodeIndex n, Call&& call) {
  NodeSlot& slot = *nodes_[n];
  RAFTSIM_ASSERT(slot.status == Status::up);
  RAFTSIM_ASSERT(slot.node != nullptr);
  out_.clear();
  call(*slot.node);
  process_output(n);
}

void Simulation::process_output(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  const auto node = static_cast<std::int32_t>(n);
  // Observations first: they describe the state change that the sends below result from.
  for (const Observation& o : out_.observations) {
    if (o.kind == EventKind::role) {
      slot.role = o.a;
      slot.term = o.b;
      metrics_.max_term = std::max(metrics_.max_term, o.b);
      if (o.a == static_cast<std::uint64_t>(Role::candidate)) {
        ++metrics_.elections;
        candidate_terms_.insert(o.b);
      }
      if (o.a == static_cast<std::uint64_t>(Role::leader)) {
        ++metrics_.leaders_elected;
        leader_terms_.insert(o.b);
        if (metrics_.first_leader_us < 0) metrics_.first_leader_us = queue_.now().us;
      }
    }
    emit(o.kind, node, -1, 0, o.a, o.b, o.c);
    // A node that stopped itself exits right after this step (at the same instant, before its other inputs).
    if (o.kind == EventKind::node_stopped) queue_.push(queue_.now(), NodeExit{n, incarnation(n)});
  }
  for (DiskWrite& w : out_.disk_writes) {
    emit(EventKind::disk_write, node, -1, 0, w.token, w.size_bytes);
    const std::uint64_t token = w.token;
    const Time done = slot.disk.write(queue_.now(), std::move(w), rng_disk_);
    queue_.push(done, DiskDone{n, incarnation(n), token});
  }
  for (OutgoingMessage& m : out_.sends) send_message(n, m);
  for (const TimerRequest& t : out_.timers) {
    RAFTSIM_ASSERT(t.slot < kTimerSlotsMax);
    RAFTSIM_ASSERT(t.delay_min <= t.delay_max && t.delay_min.us >= 0);
    const Duration local = Duration::micros(rng_timers_.between(t.delay_min.us, t.delay_max.us));
    const std::int64_t g = config_.timer_granularity.us;
    Time at = queue_.now() + slot.env.to_real(local);
    if (config_.host.timer_jitter) at = at + config_.host.timer_jitter->draw(rng_host_);  // the scheduler's delay
    if (g > 0) at.us = (at.us + g - 1) / g * g;  // coarse timers: deadlines collide more often
    // Armed, not pushed: re-arming the slot supersedes the old event, which would be dropped by its generation
    // when popped (or, after a crash, become stale_discarded: crash() releases it).
    queue_.arm(static_cast<std::size_t>(n) * kTimerSlotsMax + t.slot, at,
               TimerFire{n, incarnation(n), t.slot, ++slot.timer_generation[t.slot]});
  }
  for (ClientReply& r : out_.replies) {
    RAFTSIM_ASSERT(r.client_id < clients_.size());
    send_client_reply(n, std::move(r));
  }
}

void Simulation::send_message(NodeIndex from, OutgoingMessage& m) {
  RAFTSIM_ASSERT(m.to < config_.nodes);
  RAFTSIM_ASSERT(m.payload != nullptr);
  const auto f = static_cast<std::int32_t>(from);
  const auto t = static_cast<std::int32_t>(m.to);
  emit(EventKind::send, f, t, m.summary.kind, m.summary.term, m.summary.a, m.summary.b);
  const Network::Decision d = network_.send(from, m.to);
  const NodeSlot& receiver = *nodes_[m.to];
  // A message to a crashed node is stamped with incarnation 0, which no process ever has: it is lost.
  const std::uint32_t to_incarnation = receiver.status == Status::crashed ? 0 : incarnation(m.to);
  switch (d.fate) {
    case Network::Fate::blocked:
      emit(EventKind::drop_blocked, f, t, m.summary.kind, m.summary.term);
      break;
    case Network::Fate::dropped:
      emit(EventKind::drop_random, f, t, m.summary.kind, m.summary.term);
      break;
    case Network::Fate::duplicated:
      emit(EventKind::duplicate, f, t, m.summary.kind, m.summary.term);
      queue_.push(queue_.now() + d.second, Deliver{from, m.to, to_incarnation, m.payload, m.summary});
      [[fallthrough]];
    case Network::Fate::delivered:
      queue_.push(queue_.now() + d.first, Deliver{from, m.to, to_incarnation, std::move(m.payload), m.summary});
      break;
  }
}

void Simulation::on_deliver(Deliver& d) {
  NodeSlot& slot = *nodes_[d.to];
  const auto f = static_cast<std::int32_t>(d.from);
  const auto t = static_cast<std::int32_t>(d.to);
  if (slot.status == Status::crashed || incarnation(d.to) != d.to_incarnation) {
    ++network_.counters().node_down;
    emit(EventKind::drop_node_down, f, t, d.summary.kind, d.summary.term);
    return;
  }
  if (network_.is_blocked(d.from, d.to)) {  // the partition began while the message was in flight
    ++network_.counters().blocked;
    emit(EventKind::drop_blocked, f, t, d.summary.kind, d.summary.term);
    return;
  }
  if (network_.is_clogged(d.from, d.to)) {  // held, not lost: released when the link unclogs
    auto& held = held_[d.from * config_.nodes + d.to];
    RAFTSIM_ASSERT_MSG(held.size() < kDeferredEventsMax, "too many messages held on a clogged link");
    ++network_.counters().held;
    held.push_back(std::move(d));
    return;
  }
  hand_to_node(d.to, d, [&] { execute_deliver(d); });
}

void Simulation::execute_deliver(Deliver& d) {
  const auto f = static_cast<std::int32_t>(d.from);
  const auto t = static_cast<std::int32_t>(d.to);
  ++network_.counters().delivered;
  // The receiver's incarnation goes in the trace: this is the node, as the receiver, seeing it.
  // (Not through emit: node is the sender here, and deliveries fire no fault triggers.)
  trace_.record(TraceEvent{queue_.now().us, EventKind::deliver, d.summary.kind, f, t,
                           incarnation(d.to), d.summary.term, d.summary.a, d.summary.b});
  const Payload& payload = *d.payload;
  call_node(d.to, [&](Node& node) { node.on_message(d.from, payload, out_); });
}

void Simulation::on_timer(const TimerFire& t) {
  NodeSlot& slot = *nodes_[t.node];
  if (slot.status == Status::crashed || incarnation(t.node) != t.incarnation) {
    discard_stale(t.node, stale_timer);
    return;
  }
  if (slot.timer_generation[t.slot] != t.generation) return;  // re-armed since: this one was cancelled
  RAFTSIM_ASSERT(slot.status == Status::up);
  if (config_.host.processing) {
    Event e{t};
    if (occupy(t.node, e)) return;
  }
  execute_timer(t);
}

void Simulation::execute_timer(const TimerFire& t) {
  NodeSlot& slot = *nodes_[t.node];
  RAFTSIM_ASSERT(slot.status != Status::crashed && incarnation(t.node) == t.incarnation);
  // Re-armed while the timer waited for the busy node: cancelled after all.
  if (slot.timer_generation[t.slot] != t.generation) return;
  emit(EventKind::timer_fired, static_cast<std::int32_t>(t.node), -1, t.slot);
  call_node(t.node, [&](Node& node) { node.on_timer(t.slot, out_); });
}

void Simulation::on_disk_done(const DiskDone& d) {
  NodeSlot& slot = *nodes_[d.node];
  if (incarnation(d.node) != d.incarnation) {
    // The write was lost in the crash (Disk::crash discarded it): it never becomes durable.
    discard_stale(d.node, stale_disk);
    return;
  }
  RAFTSIM_ASSERT(slot.status != Status::crashed);
  // The device finishes the write even while the process is paused or busy; only the notification
  // waits. For a busy node (HostModel::processing) disk_synced says so with b = 1 and a disk_notify event
  // follows when it is told; a paused node is told at its resume (the pause events say so).
  // A write issued while the disk was failing completes with an I/O error instead (disk_failed, not durable).
  DiskDone done = d;
  done.failed = !slot.disk.sync(d.token);
  const EventKind completed = done.failed ? EventKind::disk_failed : EventKind::disk_synced;
  if (slot.status == Status::paused) {
    emit(completed, static_cast<std::int32_t>(d.node), -1, 0, d.token);
    Event e{done};
    slot.deferred.push_back(std::move(e));
    return;
  }
  bool told_later = false;
  if (config_.host.processing) {
    Event e{done};
    told_later = occupy(d.node, e);
  }
  emit(completed, static_cast<std::int32_t>(d.node), -1, 0, d.token, told_later ? 1 : 0);
  if (!told_later) execute_disk_done(done, false);
}

void Simulation::execute_disk_done(const DiskDone& d, bool told_late) {
  RAFTSIM_ASSERT(incarnation(d.node) == d.incarnation);
  if (told_late) emit(EventKind::disk_notify, static_cast<std::int32_t>(d.node), -1, 0, d.token);
  if (d.failed) {
    call_node(d.node, [&](Node& node) { node.on_disk_error(d.token, out_); });
  } else {
    call_node(d.node, [&](Node& node) { node.on_disk_done(d.token, out_); });
  }
}

void Simulation::crash(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  if (slot.status == Status::crashed) return;
  // The old process's timers, re-armed ones too, are ordinary events again: each becomes a stale_discarded
  // event when due.
  queue_.release_armed(static_cast<std::size_t>(n) * kTimerSlotsMax, kTimerSlotsMax);
  const std::uint64_t lost = slot.disk.crash();
  emit(EventKind::crash, static_cast<std::int32_t>(n), -1, 0, lost);
  slot.node.reset();
  // Client requests waiting at the node (paused, or busy with another input) are lost with it.
  const auto lose_request = [&](const Event& e) {
    const auto* a = std::get_if<ClientArrive>(&e);
    if (a == nullptr) return;
    Client& c = clients_[a->request.client_id];
    if (c.in_operation() && c.request_id == a->request.request_id && c.copies_in_flight > 0) --c.copies_in_flight;
  };
  for (const Event& e : slot.deferred) lose_request(e);
  for (const Event& e : slot.waiting) lose_request(e);
  if (slot.in_progress) lose_request(*slot.in_progress);
  slot.deferred.clear();
  slot.in_progress.reset();  // the step in progress dies with the process: its outputs never happen
  slot.waiting.clear();
  slot.waiting_timers.clear();
  slot.ready_at_resume = false;
  slot.status = Status::crashed;
  ++incarnations_[n + 1];  // every event still addressed to the old process is now stale
  slot.role = 0;
  ++metrics_.crashes;
  RAFTSIM_ASSERT(slot.node == nullptr);
}

void Simulation::restart(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  if (slot.status != Status::crashed || !slot.started) return;  // not started yet: its start comes
  slot.status = Status::up;
  for (auto& g : slot.timer_generation) g = 0;
  // c: the records that survived (synced ones, counting those a checkpoint has replaced since).
  emit(EventKind::restart, static_cast<std::int32_t>(n), -1, 0, incarnation(n), slot.disk.counters().synced);
  slot.node = factory_.create(context_for(n));
  RAFTSIM_ASSERT(slot.node != nullptr);
  ++metrics_.restarts;
  call_node(n, [&](Node& node) { node.start(out_); });
}

void Simulation::pause(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  if (slot.status != Status::up) return;
  slot.status = Status::paused;
  emit(EventKind::pause, static_cast<std::int32_t>(n), -1);
}

void Simulation::resume(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  if (slot.status != Status::paused) return;
  slot.status = Status::up;
  emit(EventKind::resume, static_cast<std::int32_t>(n), -1);
  // A step that finished its processing time during the pause takes effect now, and the inputs that
  // were waiting for the node before the pause go first.
  if (slot.ready_at_resume) {
    slot.ready_at_resume = false;
    Event input = std::move(*slot.in_progress);
    slot.in_progress.reset();
    execute(n, input);
  }
  run_waiting(n);
  // Everything that arrived during the pause is handled now, in arrival order (a stopped process
  // finds its socket buffers and expired timers when it continues).
  std::vector<Event> deferred = std::move(slot.deferred);
  slot.deferred.clear();
  for (Event& e : deferred) {
    if (slot.status != Status::up) break;
    if (auto* dd = std::get_if<DiskDone>(&e)) {
      if (config_.host.processing && occupy(n, e)) continue;  // told when the node gets to it
      execute_disk_done(*dd, true);
    } else {
      dispatch(e);
    }
  }
}

void Simulation::on_node_start(const NodeStart& s) {
  NodeSlot& slot = *nodes_[s.node];
  RAFTSIM_ASSERT(!slot.started);
  RAFTSIM_ASSERT(slot.status == Status::crashed && slot.node == nullptr);
  slot.started = true;
  slot.status = Status::up;
  slot.node = factory_.create(context_for(s.node));
  RAFTSIM_ASSERT(slot.node != nullptr);
  call_node(s.node, [&](Node& node) { node.start(out_); });
}

bool Simulation::occupy(NodeIndex n, Event& input) {
  RAFTSIM_ASSERT(config_.host.processing.has_value());
  NodeSlot& slot = *nodes_[n];
  RAFTSIM_ASSERT(slot.status == Status::up);
  if (slot.in_progress || slot.has_waiting()) {  // busy, or inputs queued before a pause go first
    RAFTSIM_ASSERT_MSG(slot.waiting.size() + slot.waiting_timers.size() < kDeferredEventsMax,
                       "too many inputs waiting for a busy node");
    // A timer goes ahead of the waiting messages, disk completions and requests (after the timers already
    // waiting, in order), as in a host's event loop: libuv runs due timers before polling I/O, and Go's
    // select chooses at random among ready channels, so a due ticker waits a step or two, not behind every
    // queued message. First in, first out for everything, a flood of messages starved a leader's
    // CheckQuorum timer for 400 ms (swarm seed 2000372). The price: a busy follower's election timer may
    // now fire before an AppendEntries that arrived earlier and still waits (as under libuv).
    (std::holds_alternative<TimerFire>(input) ? slot.waiting_timers : slot.waiting).push_back(std::move(input));
    return true;
  }
  const Duration busy = config_.host.processing->draw(rng_host_);
  if (busy.us <= 0) return false;
  slot.in_progress = std::move(input);
  queue_.push(queue_.now() + busy, NodeReady{n, incarnation(n)});
  return true;
}

void Simulation::on_node_ready(const NodeReady& r) {
  NodeSlot& slot = *nodes_[r.node];
  if (slot.status == Status::crashed || incarnation(r.node) != r.incarnation) return;  // died while busy
  RAFTSIM_ASSERT(slot.in_progress.has_value());
  if (slot.status == Status::paused) {  // stopped in the middle of the step: it completes at the resume
    slot.ready_at_resume = true;
    return;
  }
  Event input = std::move(*slot.in_progress);
  slot.in_progress.reset();
  execute(r.node, input);
  run_waiting(r.node);
}

void Simulation::run_waiting(NodeIndex n) {
  NodeSlot& slot = *nodes_[n];
  // The next waiting input occupies the node in turn (one whose processing time is zero is handled at once).
  while (slot.status == Status::up && !slot.in_progress && slot.has_waiting()) {
    std::deque<Event>& from = slot.waiting_timers.empty() ? slot.waiting : slot.waiting_timers;
    Event next = std::move(from.front());
    from.pop_front();
    const Duration busy = config_.host.processing->draw(rng_host_);
    if (busy.us > 0) {
      slot.in_progress = std::move(next);
      queue_.push(queue_.now() + busy, NodeReady{n, incarnation(n)});
      return;
    }
    execute(n, next);
  }
}

void Simulation::execute(NodeIndex n, Event& input) {
  RAFTSIM_ASSERT(nodes_[n]->status == Status::up);
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Deliver>) {
          execute_deliver(e);
        } else if constexpr (std::is_same_v<T, TimerFire>) {
          execute_timer(e);
        } else if constexpr (std::is_same_v<T, DiskDone>) {
          execute_disk_done(e, true);  // queued behind the step in progress: told after its disk_synced
        } else if constexpr (std::is_same_v<T, ClientArrive>) {
          execute_client_arrive(e);
        } else {
          RAFTSIM_ASSERT_MSG(false, "only node inputs occupy a node");
        }
      },
      input);
}

void Simulation::heal_all() {
  for (NodeIndex a = 0; a < config_.nodes; ++a) {
    for (NodeIndex b = 0; b < config_.nodes; ++b) {
      if (network_.is_clogged(a, b)) release_held(a, b);
    }
  }
  network_.heal();
  emit(EventKind::heal, -1, -1);
}

void Simulation::release_held(NodeIndex from, NodeIndex to) {
  network_.set_clogged(from, to, false);
  auto& held = held_[from * config_.nodes + to];
  emit(EventKind::unclog_link, static_cast<std::int32_t>(from), static_cast<std::int32_t>(to), 0, held.size());
  // Released in order, each after a fresh network delay (so a burst may still reorder).
  for (Deliver& d : held) queue_.push(queue_.now() + config_.network.latency.draw(rng_network_), std::move(d));
  held.clear();
}

template <typename Fn>
void Simulation::for_links(const Fault& f, Fn&& fn) {
  for (NodeIndex a : resolve_all(f.from)) {
    for (NodeIndex b : resolve_all(f.to)) {
      if (a != b) fn(a, b);
    }
  }
}

void Simulation::partition(const Fault& f) {
  const std::uint32_t n = config_.nodes;
  // Random shapes draw from the faults stream when the fault fires: the same seed picks the same nodes.
  std::vector<NodeIndex> order(n);
  for (NodeIndex i = 0; i < n; ++i) order[i] = i;
  for (std::uint32_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng_faults_.below(i)]);
  std::vector<std::uint32_t> group_of(n, 0);
  std::uint64_t mask = 0;  // the first group, for the trace
  switch (f.shape) {
    case Fault::Shape::groups:
      for (std::size_t g = 0; g < f.groups.size(); ++g) {
        for (NodeIndex x : resolve_all(f.groups[g])) {
          group_of[x] = static_cast<std::uint32_t>(g + 1);
          if (g == 0) mask |= 1ULL << x;
        }
      }
      network_.partition(group_of);
      break;
    case Fault::Shape::majority_minority:
      for (std::uint32_t i = 0; i < n / 2; ++i) {
        group_of[order[i]] = 1;
        mask |= 1ULL << order[i];
      }
      network_.partition(group_of);
      break;
    case Fault::Shape::bridge: {
      // order[0] is the bridge; the rest split into two halves that reach each other only through it.
      const std::uint32_t half = (n - 1) / 2;
      network_.clear_blocks();
      for (std::uint32_t i = 1; i <= half; ++i) mask |= 1ULL << order[i];
      for (std::uint32_t i = 1; i <= half; ++i) {
        for (std::uint32_t j = half + 1; j < n; ++j) {
          network_.block(order[i], order[j]);
          network_.block(order[j], order[i]);
        }
      }
      break;
    }
    case Fault::Shape::ring:
      network_.clear_blocks();
      for (std::uint32_t i = 0; i < n; ++i) {
        mask |= 1ULL << order[i];
        for (std::uint32_t j = 0; j < n; ++j) {
          const std::uint32_t d = (j + n - i) % n;
          if (i != j && d != 1 && d != n - 1) network_.block(order[i], order[j]);
        }
      }
      break;
  }
  emit(EventKind::partition, -1, -1, static_cast<std::uint16_t>(f.shape), mask);
}

std::optional<NodeIndex> Simulation::resolve(const NodeRef& ref) const {
  if (ref.kind == NodeRef::Kind::index) {
    RAFTSIM_ASSERT(ref.index < config_.nodes);
    return ref.index;
  }
  if (ref.kind == NodeRef::Kind::triggering) {
    RAFTSIM_ASSERT_MSG(triggering_.has_value(), "'triggering' names a node only in a triggered fault");
    return triggering_;
  }
  // The leader: the live node that reports itself leader in the highest term.
  std::optional<NodeIndex> best;
  for (NodeIndex n = 0; n < config_.nodes; ++n) {
    const NodeSlot& s = *nodes_[n];
    if (s.status == Status::crashed || s.role != static_cast<std::uint64_t>(Role::leader)) continue;
    if (!best || s.term > nodes_[*best]->term) best = n;
  }
  return best;
}

std::vector<NodeIndex> Simulation::resolve_all(const std::vector<NodeRef>& refs) const {
  std::vector<NodeIndex> out;
  for (const NodeRef& r : refs) {
    if (auto n = resolve(r)) {
      if (std::find(out.begin(), out.end(), *n) == out.end()) out.push_back(*n);
    }
  }
  return out;
}

Fault Simulation::resolve_fault(const Fault& f) {
  if (f.undoes != 0) {
    auto it = resolved_by_id_.find(f.undoes);
    RAFTSIM_ASSERT_MSG(it != resolved_by_id_.end(), "an undo fires before the fault it undoes");
    Fault undo = f;
    undo.nodes = it->second.nodes;
    undo.from = it->second.from;
    undo.to = it->second.to;
    return undo;
  }
  auto fixed = [this](const std::vector<NodeRef>& refs) {
    std::vector<NodeRef> out;
    for (NodeIndex n : resolve_all(refs)) out.push_back({NodeRef::Kind::index, n});
    return out;
  };
  Fault r = f;
  r.nodes = fixed(f.nodes);
  r.from = fixed(f.from);
  r.to = fixed(f.to);
  for (auto& g : r.groups) g = fixed(g);
  if (f.id != 0) resolved_by_id_[f.id] = r;
  RAFTSIM_ASSERT(r.nodes.size() <= config_.nodes);
  return r;
}

void Simulation::on_fault(const Fault& f) {
  switch (f.kind) {
    case Fault::Kind::partition:
      partition(f);
      break;
    case Fault::Kind::isolate:
      for (NodeIndex n : resolve_all(f.nodes)) {
        for (NodeIndex o = 0; o < config_.nodes; ++o) {
          if (o == n) continue;
          network_.block(n, o);
          network_.block(o, n);
        }
        emit(EventKind::partition, -1, -1, 0, 1ULL << n);
      }
      break;
    case Fault::Kind::block:
    case Fault::Kind::unblock:
      for (NodeIndex a : resolve_all(f.from)) {
        for (NodeIndex b : resolve_all(f.to)) {
          if (a == b) continue;
          if (f.kind == Fault::Kind::block) {
            network_.block(a, b);
            emit(EventKind::block_link, static_cast<std::int32_t>(a), static_cast<std::int32_t>(b));
          } else {
            network_.unblock(a, b);
            emit(EventKind::unblock_link, static_cast<std::int32_t>(a), static_cast<std::int32_t>(b));
          }
        }
      }
      break;
    case Fault::Kind::heal:
      heal_all();
      break;
    case Fault::Kind::crash:
      for (NodeIndex n : resolve_all(f.nodes)) crash(n);
      break;
    case Fault::Kind::restart:
      for (NodeIndex n : resolve_all(f.nodes)) restart(n);
      break;
    case Fault::Kind::pause:
      for (NodeIndex n : resolve_all(f.nodes)) pause(n);
      break;
    case Fault::Kind::resume:
      for (NodeIndex n : resolve_all(f.nodes)) resume(n);
      break;
    case Fault::Kind::clog:
      for_links(f, [&](NodeIndex a, NodeIndex b) {
        network_.set_clogged(a, b, true);
        emit(EventKind::clog_link, static_cast<std::int32_t>(a), static_cast<std::int32_t>(b));
      });
      break;
    case Fault::Kind::unclog:
      for_links(f, [&](NodeIndex a, NodeIndex b) {
        if (network_.is_clogged(a, b)) release_held(a, b);
      });
      break;
    case Fault::Kind::degrade:
      for_links(f, [&](NodeIndex a, NodeIndex b) {
        network_.degrade(a, b, f.degradation);
        auto ppm = [](double p) { return static_cast<std::uint64_t>(p * 1e6); };
        emit(EventKind::degrade_link, static_cast<std::int32_t>(a), static_cast<std::int32_t>(b), 0,
             ppm(f.degradation.drop_probability), ppm(f.degradation.duplicate_probability),
             ppm(f.degradation.late_probability));
      });
      break;
    case Fault::Kind::clock:
      for (NodeIndex n : resolve_all(f.nodes)) {
        nodes_[n]->env.set_rate(f.factor);
        emit(EventKind::clock_rate, static_cast<std::int32_t>(n), -1, 0, static_cast<std::uint64_t>(f.factor * 1e6));
      }
      break;
    case Fault::Kind::disk_speed:
      for (NodeIndex n : resolve_all(f.nodes)) {
        nodes_[n]->disk.set_speed_factor(f.factor);
        emit(EventKind::disk_speed, static_cast<std::int32_t>(n), -1, 0, static_cast<std::uint64_t>(f.factor * 1e6));
      }
      break;
    case Fault::Kind::disk_errors:
      RAFTSIM_ASSERT(f.factor == 0.0 || f.factor == 1.0);
      for (NodeIndex n : resolve_all(f.nodes)) {
        nodes_[n]->disk.set_failing(f.factor != 0.0);
        emit(EventKind::disk_errors, static_cast<std::int32_t>(n), -1, 0, f.factor != 0.0 ? 1 : 0);
      }
      break;
    case Fault::Kind::transfer_leadership:
      transfer_leadership(f);
      break;
    case Fault::Kind::add_member:
    case Fault::Kind::remove_member:
      change_membership(f);
      break;
  }
}

// Thesis 4.1: like a transfer, the request goes to whoever leads now; lost if no leader is up. The subject is
// resolved first ("leader" names the leader itself: thesis 4.2.2, a leader removing itself).
void Simulation::change_membership(const Fault& f) {
  const std::vector<NodeIndex> subjects = resolve_all(f.nodes);
  const std::optional<NodeIndex> leader = resolve(NodeRef{NodeRef::Kind::leader, 0});
  const bool reachable = leader.has_value() && nodes_[*leader]->status == Status::up && subjects.size() == 1;
  const MembershipChange change = f.kind == Fault::Kind::add_member ? MembershipChange::add : MembershipChange::remove;
  emit(EventKind::membership_request, leader ? static_cast<std::int32_t>(*leader) : -1,
       subjects.size() == 1 ? static_cast<std::int32_t>(subjects[0]) : -1, static_cast<std::uint16_t>(change), reachable ? 1 : 0);
  if (!reachable) return;
  RAFTSIM_ASSERT(nodes_[*leader]->node != nullptr);
  call_node(*leader, [&](Node& node) { node.on_membership_change(change, subjects[0], out_); });
}

// Thesis 3.10: the request goes to whoever leads now (a paused leader cannot take it: it is lost, as a
// request to an unresponsive server would be).
void Simulation::transfer_leadership(const Fault& f) {
  const std::optional<NodeIndex> leader = resolve(NodeRef{NodeRef::Kind::leader, 0});
  const std::vector<NodeIndex> targets = resolve_all(f.to);
  RAFTSIM_ASSERT(targets.size() <= 1);
  const std::optional<NodeIndex> target = targets.empty() ? std::nullopt : std::optional<NodeIndex>(targets[0]);
  const bool reachable = leader.has_value() && nodes_[*leader]->status == Status::up;
  emit(EventKind::transfer_request, leader ? static_cast<std::int32_t>(*leader) : -1,
       target ? static_cast<std::int32_t>(*target) : -1, 0, reachable ? 1 : 0);
  if (!reachable) return;
  RAFTSIM_ASSERT(nodes_[*leader]->node != nullptr);
  call_node(*leader, [&](Node& node) { node.on_transfer_leadership(target, out_); });
}

std::uint64_t Simulation::leader_deadline_us() const {
  if (config_.leader_within_election_timeouts == 0) return 0;
  const Time deadline = queue_.now() + config_.timing.election_timeout_max * config_.leader_within_election_timeouts;
  return static_cast<std::uint64_t>(deadline.us);
}

void Simulation::on_phase(const PhaseChange& p) {
  // Faults fired by events belong to the fault phase: a trigger that has not fired by now never will.
  if (p.phase == 1) armed_triggers_.clear();
  RAFTSIM_ASSERT(p.phase == 1);
  RAFTSIM_ASSERT(config_.liveness);
  // Liveness phase: every fault is healed; from here the cluster must make progress.
  if (!config_.liveness_heals) {
    emit(EventKind::phase, -1, -1, 0, p.phase, leader_deadline_us());
    return;
  }
  heal_all();
  for (NodeIndex n = 0; n < config_.nodes; ++n) {
    NodeSlot& slot = *nodes_[n];
    if (slot.status == Status::crashed) restart(n);
    if (slot.status == Status::paused) resume(n);
    if (slot.env.rate() != 1.0) {
      slot.env.set_rate(1.0);
      emit(EventKind::clock_rate, static_cast<std::int32_t>(n), -1, 0, 1'000'000);
    }
    slot.disk.set_speed_factor(1.0);
    if (slot.disk.failing()) {  // only runs with the fault emit this: other traces stay as they were
      slot.disk.set_failing(false);
      emit(EventKind::disk_errors, static_cast<std::int32_t>(n), -1, 0, 0);
    }
  }
  emit(EventKind::phase, -1, -1, 0, p.phase, leader_deadline_us());
}

// ---- clients ----

Duration Simulation::client_latency() { return config_.workload.latency.draw(rng_workload_); }

void Simulation::on_client_wake(const ClientWake& w) {
  Client& c = clients_[w.client];
  if (w.generation != c.generation) return;
  if (c.state == Client::State::idle) {
    start_next_op(w.client);
  } else if (c.state == Client::State::backoff) {
    send_attempt(w.client);
  }
}

std::size_t Simulation::deadline_index(std::uint32_t c) const {
  RAFTSIM_ASSERT(c < clients_.size());
  return static_cast<std::size_t>(config_.nodes) * kTimerSlotsMax + c;
}

void Simulation::start_next_op(std::uint32_t ci) {
  Client& c = clients_[ci];
  RAFTSIM_ASSERT(c.state == Client::State::idle);
  if (queue_.now() >= clients_stop_at_) {
    c.state = Client::State::done;
    return;
  }
  const WorkloadConfig& w = config_.workload;
  HistoryEvent op;
  op.type = HistoryEvent::Type::invoke;
  op.process = c.process;
  op.op_id = next_op_id_++;
  op.key = fmt::format("k{}", rng_workload_.below(w.keys));
  std::uint64_t pick = rng_workload_.below(w.mix.total());
  if (pick < w.mix.get) {
    op.op = ClientOp::get;
  } else if ((pick -= w.mix.get) < w.mix.put) {
    op.op = ClientOp::put;
    op.value = fmt::format("{}", op.op_id);
  } else if ((pick -= w.mix.put) < w.mix.append) {
    op.op = ClientOp::append;
    op.value = fmt::format("{} ", op.op_id);
  } else {
    op.op = ClientOp::cas;
    // Compare against a value a recent put may have written, so some cas succeed and some do not.
    const std::uint64_t recent = next_op_id_ > 8 ? next_op_id_ - 1 - rng_workload_.below(8) : 1;
    op.expected = fmt::format("{}", recent);
    op.value = fmt::format("{}", op.op_id);
  }
  op.time = queue_.now();
  c.op = op;
  c.state = Client::State::waiting;
  c.request_id = next_request_id_++;
  c.attempt = 0;
  c.round = 0;
  c.uncertain = false;
  c.copies_in_flight = 0;
  c.attempt_at_node.assign(config_.nodes, 0);
  ++metrics_.ops_invoked;
  record_history(op);
  emit(EventKind::client_invoke, -1, static_cast<std::int32_t>(c.process), static_cast<std::uint16_t>(op.op),
       op.op_id);
  // Armed, not pushed: the client's next deadline supersedes this one, which by then is stale for good (its
  // operation or round is over: op ids and rounds only grow) and would be dropped when popped.
  queue_.arm(deadline_index(ci), queue_.now() + w.request_timeout, ClientDeadline{ci, op.op_id, 0}, rng_workload_);
  send_attempt(ci);
}

void Simulation::send_attempt(std::uint32_t ci) {
  Client& c = clients_[ci];
  RAFTSIM_ASSERT(c.state == Client::State::waiting || c.state == Client::State::backoff);
  RAFTSIM_ASSERT(c.target < config_.nodes);
  c.state = Client::State::waiting;
  ++c.attempt;
  ClientRequest r;
  r.client_id = ci;
  r.request_id = c.request_id;
  r.op = c.op.op;
  r.key = c.op.key;
  r.value = c.op.value;
  r.expected = c.op.expected;
  emit(EventKind::client_send, static_cast<std::int32_t>(c.target), static_cast<std::int32_t>(c.process), 0,
       c.op.op_id, c.request_id, c.attempt);
  send_client_request(ci, std::move(r), c.attempt);
}

Simulation::ClientLink Simulation::client_link(NodeIndex n, bool to_node) const {
  ClientLink link;
  link.duplicate_probability = network_.config().duplicate_probability;
  // No degraded link: the loop below would find nothing stronger (two calls a client operation, about 125
  // instructions each with five nodes).
  if (!network_.any_degraded()) return link;
  for (NodeIndex o = 0; o < config_.nodes; ++o) {
    if (o == n) continue;
    const LinkDegradation& d = to_node ? network_.degradation(o, n) : network_.degradation(n, o);
    link.duplicate_probability = std::max(link.duplicate_probability, d.duplicate_probability);
    if (d.late_probability > link.late_probability) {
      link.late_probability = d.late_probability;
      link.late_min = d.late_min;
      link.late_max = d.late_max;
    }
  }
  RAFTSIM_ASSERT(link.duplicate_probability >= 0.0 && link.duplicate_probability <= 1.0);
  RAFTSIM_ASSERT(link.late_min <= link.late_max);
  return link;
}

// A copy's delay: `base`, plus a stale-delivery delay when the link delivers late (draws only then, from
// the client network stream, so that healthy runs draw exactly what they did before).
Duration Simulation::client_delay(const ClientLink& link, Duration base) {
  if (link.late_probability <= 0.0 || !rng_client_network_.bernoulli(link.late_probability)) return base;
  return base + Duration::micros(rng_client_network_.between(link.late_min.us, link.late_max.us));
}

void Simulation::send_client_request(std::uint32_t ci, ClientRequest r, std::uint32_t attempt) {
  Client& c = clients_[ci];
  const NodeSlot& slot = *nodes_[c.target];
  const std::uint32_t inc = slot.status == Status::crashed ? 0 : incarnation(c.target);
  const ClientLink link = client_link(c.target, true);
  const Duration latency = client_latency();  // the workload stream, as before duplication existed
  const Time arrive = queue_.now() + client_delay(link, latency);
  if (link.duplicate_probability > 0.0 && rng_client_network_.bernoulli(link.duplicate_probability)) {
    // The network duplicates client requests like any message: the copy travels on its own.
    emit(EventKind::client_duplicate, static_cast<std::int32_t>(c.target), static_cast<std::int32_t>(c.process), 0,
         r.request_id, 0);
    const Time second = queue_.now() + client_delay(link, config_.workload.latency.draw(rng_client_network_));
    queue_.push(second, ClientArrive{c.target, inc, r, attempt}, rng_client_network_);
    ++c.copies_in_flight;
  }
  queue_.push(arrive, ClientArrive{c.target, inc, std::move(r), attempt}, rng_workload_);
  ++c.copies_in_flight;
}

void Simulation::send_client_reply(NodeIndex from, ClientReply r) {
  const auto ci = static_cast<std::uint32_t>(r.client_id);
  Client& c = clients_[ci];
  // Which attempt the reply answers: the one the node is handling right now if it answers at once, else
  // the latest attempt of this request the node took (a later commit or step-down).
  std::uint32_t attempt = 0;
  if (arriving_ && arriving_->client == r.client_id && arriving_->request_id == r.request_id) {
    attempt = arriving_->attempt;
    if (r.status == ReplyStatus::rejected) arriving_->rejected = true;
  } else if (c.in_operation() && c.request_id == r.request_id) {
    attempt = c.attempt_at_node[from];
  }
  const ClientLink link = client_link(from, false);
  const Duration latency = client_latency();  // its own statement: argument order is unspecified
  const Time arrive = queue_.now() + client_delay(link, latency);
  if (link.duplicate_probability > 0.0 && rng_client_network_.bernoulli(link.duplicate_probability)) {
    emit(EventKind::client_duplicate, static_cast<std::int32_t>(from), static_cast<std::int32_t>(c.process), 0,
         r.request_id, 1);
    const Time second = queue_.now() + client_delay(link, config_.workload.latency.draw(rng_client_network_));
    queue_.push(second, ClientReplyArrive{ci, r, attempt}, rng_client_network_);
  }
  queue_.push(arrive, ClientReplyArrive{ci, std::move(r), attempt}, rng_workload_);
}

void Simulation::on_client_arrive(ClientArrive& a) {
  NodeSlot& slot = *nodes_[a.node];
  Client& c = clients_[a.request.client_id];
  const bool current = c.in_operation() && c.request_id == a.request.request_id;
  if (slot.status == Status::crashed || incarnation(a.node) != a.incarnation) {
    if (current && c.copies_in_flight > 0) --c.copies_in_flight;  // lost: it can never be proposed
    discard_stale(a.node, stale_client_request);
    return;
  }
  hand_to_node(a.node, a, [&] { execute_client_arrive(a); });
}

void Simulation::execute_client_arrive(ClientArrive& a) {
  Client& c = clients_[a.request.client_id];
  const bool current = c.in_operation() && c.request_id == a.request.request_id;
  if (current && c.copies_in_flight > 0) --c.copies_in_flight;
  // The request id links it to its client_send (the client may have moved on to another operation since).
  emit(EventKind::client_request, static_cast<std::int32_t>(a.node), static_cast<std::int32_t>(c.process), 0,
       a.request.request_id);
  arriving_ = Arriving{a.request.client_id, a.request.request_id, a.attempt, false};
  call_node(a.node, [&](Node& node) { node.on_client_request(a.request, out_); });
  const bool rejected = arriving_->rejected;
  arriving_.reset();
  if (current) {
    c.attempt_at_node[a.node] = std::max(c.attempt_at_node[a.node], a.attempt);
    // Not rejected at once: the node may have proposed it (or holds it): it may be applied.
    if (!rejected) c.uncertain = true;
  }
}

void Simulation::on_client_reply(ClientReplyArrive& r) {
  Client& c = clients_[r.client];
  // A reply for a request the client no longer waits for (its operation ended: a duplicate, or a late
  // answer to an earlier operation) is ignored.
  if (!c.in_operation() || r.reply.request_id != c.request_id) return;
  emit(EventKind::client_reply, -1, static_cast<std::int32_t>(c.process), 0, r.reply.request_id,
       static_cast<std::uint64_t>(r.reply.status), r.attempt);
  // Any attempt's ok completes the operation: every attempt is the same request, applied once.
  if (r.reply.status == ReplyStatus::ok) {
    finish_op(r.client, HistoryEvent::Type::ok, &r.reply);
    return;
  }
  if (r.reply.status == ReplyStatus::unknown) c.uncertain = true;
  // A rejection or an unknown outcome moves the client on only when it answers the attempt in flight: a
  // late or duplicated answer to an earlier attempt says nothing about the current one.
  if (c.state != Client::State::waiting || r.attempt != c.attempt) return;
  switch (r.reply.status) {
    case ReplyStatus::ok:
      break;
    case ReplyStatus::unknown:
      retry_or_give_up(r.client, &r.reply);
      break;
    case ReplyStatus::rejected:
      // This attempt was definitely not applied: try again (same request) at the hinted leader, or at the
      // next node.
      c.target = r.reply.leader_hint ? *r.reply.leader_hint : (c.target + 1) % config_.nodes;
      c.state = Client::State::backoff;
      queue_.push(queue_.now() + config_.workload.retry_backoff, ClientWake{r.client, ++c.generation}, rng_workload_);
      break;
  }
}

void Simulation::on_client_deadline(const ClientDeadline& d) {
  Client& c = clients_[d.client];
  if (c.op.op_id != d.op_id || c.round != d.round || !c.in_operation()) return;
  if (c.state == Client::State::backoff && !c.uncertain && c.copies_in_flight == 0) {
    // Every attempt so far was rejected and no copy of the request can still reach a node: nothing was
    // applied, nor ever will be.
    finish_op(d.client, HistoryEvent::Type::fail, nullptr);
    return;
  }
  // An attempt may have reached a leader: the outcome is unknown.
  retry_or_give_up(d.client, nullptr);
}

// The outcome of the operation is unknown (no answer in time, or an `unknown` reply). A real client sends
// the same request again, with the same ids, a bounded number of times (the Raft must then apply it at
// most once: thesis 6.3); the node is drawn from a stream of its own, the same one or another. When the
// retries are used up, or no retry could finish before the run ends, the outcome is info.
void Simulation::retry_or_give_up(std::uint32_t ci, const ClientReply* reply) {
  Client& c = clients_[ci];
  RAFTSIM_ASSERT(c.in_operation());
  c.uncertain = true;
  const WorkloadConfig& w = config_.workload;
  if (c.round >= w.retries_unknown || queue_.now() + w.request_timeout > end_time_) {
    finish_op(ci, HistoryEvent::Type::info, reply);
    return;
  }
  ++c.round;
  c.target = static_cast<NodeIndex>(rng_client_retry_.below(config_.nodes));
  emit(EventKind::client_retry, static_cast<std::int32_t>(c.target), static_cast<std::int32_t>(c.process), 0,
       c.op.op_id, c.request_id, c.round);
  queue_.arm(deadline_index(ci), queue_.now() + w.request_timeout, ClientDeadline{ci, c.op.op_id, c.round},
             rng_client_retry_);
  ++c.generation;  // a pending backoff wake belongs to the previous round
  if (reply == nullptr) {
    send_attempt(ci);
  } else {
    // The node said it lost track (leadership changed): give the cluster a moment, as after a rejection.
    c.state = Client::State::backoff;
    queue_.push(queue_.now() + w.retry_backoff, ClientWake{ci, c.generation}, rng_client_retry_);
  }
  RAFTSIM_ASSERT(c.round <= w.retries_unknown);
}

void Simulation::finish_op(std::uint32_t ci, HistoryEvent::Type type, const ClientReply* reply) {
  Client& c = clients_[ci];
  RAFTSIM_ASSERT(c.state == Client::State::waiting || c.state == Client::State::backoff);
  RAFTSIM_ASSERT(type != HistoryEvent::Type::invoke);
  HistoryEvent done = c.op;
  done.type = type;
  done.time = queue_.now();
  if (type == HistoryEvent::Type::ok) {
    RAFTSIM_ASSERT(reply != nullptr);
    if (c.op.op == ClientOp::get) done.value = reply->value;
    done.cas_succeeded = reply->cas_succeeded;
  }
  EventKind kind = EventKind::client_ok;
  switch (type) {
    case HistoryEvent::Type::ok: ++metrics_.ops_ok; kind = EventKind::client_ok; break;
    case HistoryEvent::Type::fail: ++metrics_.ops_fail; kind = EventKind::client_fail; break;
    case HistoryEvent::Type::info: ++metrics_.ops_info; kind = EventKind::client_info; break;
    case HistoryEvent::Type::invoke: break;
  }
  const bool applied = type == HistoryEvent::Type::ok;
  emit(kind, -1, static_cast<std::int32_t>(c.process), static_cast<std::uint16_t>(c.op.op), c.op.op_id,
       applied ? reply->log_index : 0, applied ? reply->log_term : 0);
  record_history(std::move(done));
  // After an unknown outcome the client continues as a new process (as Jepsen does), so a process never
  // has two operations whose order is unclear.
  if (type == HistoryEvent::Type::info) {
    c.process = next_process_++;
    // No answer in time: the node may be down or cut off. Like a real client, try the next one.
    if (reply == nullptr) c.target = (c.target + 1) % config_.nodes;
  }
  c.op.op_id = 0;
  c.state = Client::State::idle;
  queue_.push(queue_.now() + config_.workload.think_time, ClientWake{ci, ++c.generation}, rng_workload_);
}

SimMetrics Simulation::metrics() const {
  SimMetrics m = metrics_;
  m.events = trace_.event_count();
  for (std::uint64_t t : candidate_terms_) m.split_votes += leader_terms_.count(t) == 0;
  m.network = network_.counters();
  for (const auto& slot : nodes_) {
    const DiskCounters& d = slot->disk.counters();
    m.disk.writes += d.writes;
    m.disk.synced += d.synced;
    m.disk.lost_on_crash += d.lost_on_crash;
    m.disk.bytes_written += d.bytes_written;
  }
  return m;
}

void Simulation::record_history(HistoryEvent e) {
  if (history_sink_) history_sink_(e);
  if (keep_history_) history_.push_back(std::move(e));
}

}  // namespace sim
