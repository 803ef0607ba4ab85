// The simulator with a scripted fake node (no Raft at all): lifecycle, incarnations, pauses, partitions,
// timers and clients behave as documented.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "sim/simulation.h"
#include "tests/sim/recorder.h"

namespace {

struct Msg : sim::Payload {
  explicit Msg(int v) : value(v) {}
  int value;
};

// What every fake node saw, keyed by (node, object number): a restarted node is a new object.
struct Seen {
  struct Item {
    int object;
    sim::NodeIndex node;
    std::string what;
    std::uint64_t value;
  };
  std::vector<Item> items;
  int objects = 0;
  std::size_t count(sim::NodeIndex node, const std::string& what) const {
    std::size_t n = 0;
    for (const auto& i : items) n += i.node == node && i.what == what;
    return n;
  }
};

class FakeNode final : public sim::Node {
 public:
  using Script = std::function<void(sim::NodeIndex, sim::NodeOutput&)>;
  FakeNode(sim::NodeIndex id, Seen& seen, Script on_start) : id_(id), seen_(seen), object_(++seen.objects), on_start_(std::move(on_start)) {}
  void start(sim::NodeOutput& out) override {
    note("start", 0);
    if (on_start_) on_start_(id_, out);
  }
  void on_message(sim::NodeIndex, const sim::Payload& m, sim::NodeOutput&) override {
    note("message", static_cast<std::uint64_t>(static_cast<const Msg&>(m).value));
  }
  void on_timer(std::uint16_t slot, sim::NodeOutput&) override { note("timer", slot); }
  void on_disk_done(std::uint64_t token, sim::NodeOutput&) override { note("disk", token); }
  void on_client_request(const sim::ClientRequest& r, sim::NodeOutput& out) override {
    note("client", r.request_id);
    sim::ClientReply reply;
    reply.client_id = r.client_id;
    reply.request_id = r.request_id;
    reply.status = sim::ReplyStatus::ok;
    out.replies.push_back(reply);
  }
  int object() const { return object_; }

 private:
  void note(const std::string& what, std::uint64_t v) { seen_.items.push_back({object_, id_, what, v}); }
  sim::NodeIndex id_;
  Seen& seen_;
  int object_;
  Script on_start_;
};

class FakeFactory final : public sim::NodeFactory {
 public:
  explicit FakeFactory(Seen& seen) : seen_(seen) {}
  FakeNode::Script script;
  std::vector<std::size_t> durable_at_create;
  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override {
    durable_at_create.push_back(context.durable_records.size());
    REQUIRE(context.env != nullptr);
    return std::make_unique<FakeNode>(context.id, seen_, script);
  }
  std::string_view implementation_name() const override { return "fake"; }
  std::string_view message_kind(std::uint16_t) const override { return "msg"; }
  std::string_view timer_slot(std::uint16_t) const override { return "t"; }

 private:
  Seen& seen_;
};

using sim_test::Recorder;

sim::SimConfig quiet_config(std::uint32_t nodes) {
  sim::SimConfig c;
  c.nodes = nodes;
  c.workload.clients = 0;
  c.liveness = false;
  c.duration = sim::Duration::millis(200);
  c.network.latency = {sim::LatencyModel::Kind::fixed, sim::Duration::millis(5), sim::Duration::millis(5)};
  c.disk.write_latency = {sim::LatencyModel::Kind::fixed, sim::Duration::millis(10), sim::Duration::millis(10)};
  c.disk.fsync_latency = {sim::LatencyModel::Kind::fixed, sim::Duration::millis(0), sim::Duration::millis(0)};
  return c;
}

sim::Fault fault(double at_ms, sim::Fault::Kind kind, std::vector<sim::NodeIndex> nodes) {
  sim::Fault f;
  f.at = sim::Time{static_cast<std::int64_t>(at_ms * 1000)};
  f.kind = kind;
  for (auto n : nodes) f.nodes.push_back({sim::NodeRef::Kind::index, n});
  return f;
}

// Node 0 writes a record, arms a timer and sends node 1 a message when it starts.
void busy_start(sim::NodeIndex id, sim::NodeOutput& out) {
  if (id != 0) return;
  out.disk_writes.push_back({1, std::make_shared<Msg>(1), 8});
  out.timers.push_back({0, sim::Duration::millis(20), sim::Duration::millis(20)});
  out.sends.push_back({1, std::make_shared<Msg>(7), {}});
}

}  // namespace

TEST_CASE("simulation: nothing addressed to a dead incarnation reaches the restarted node") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = busy_start;
  sim::SimConfig c = quiet_config(2);
  c.faults = {fault(1, sim::Fault::Kind::crash, {0}), fault(2, sim::Fault::Kind::restart, {0})};
  sim::Trace trace;
  Recorder rec;
  trace.add_sink(&rec);
  sim::Simulation s(c, factory, trace);
  s.run();
  // Two objects were node 0: the first crashed at 1ms before its disk write (10ms) and timer (20ms) were
  // due; those went stale. The second (restarted) object started its own write and timer, which it sees.
  const int first = 1;
  for (const auto& i : seen.items) {
    if (i.node == 0 && i.object == first) REQUIRE((i.what == "start"));
  }
  REQUIRE(s.metrics().stale_discarded >= 2);
  REQUIRE(rec.of(sim::EventKind::stale_discarded).size() == s.metrics().stale_discarded);
  REQUIRE(seen.count(0, "disk") == 1);   // only the restarted node's own write
  REQUIRE(seen.count(0, "timer") == 1);  // only the restarted node's own timer
  REQUIRE(factory.durable_at_create == std::vector<std::size_t>{0, 0, 0});  // the unsynced write was lost
  REQUIRE(s.metrics().disk.lost_on_crash == 1);
}

TEST_CASE("simulation: a synced write survives a crash and is handed to the restarted node") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = busy_start;
  sim::SimConfig c = quiet_config(2);
  c.faults = {fault(15, sim::Fault::Kind::crash, {0}), fault(16, sim::Fault::Kind::restart, {0})};
  sim::Trace trace;
  sim::Simulation s(c, factory, trace);
  s.run();
  REQUIRE(factory.durable_at_create == std::vector<std::size_t>{0, 0, 1});
  REQUIRE(s.metrics().disk.lost_on_crash == 0);
}

TEST_CASE("simulation: messages to a crashed node are lost, and not delivered to its next incarnation") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = [](sim::NodeIndex id, sim::NodeOutput& out) {
    if (id == 1) out.sends.push_back({0, std::make_shared<Msg>(3), {}});  // 5ms in flight
  };
  sim::SimConfig c = quiet_config(2);
  c.faults = {fault(1, sim::Fault::Kind::crash, {0}), fault(3, sim::Fault::Kind::restart, {0})};
  sim::Trace trace;
  Recorder rec;
  trace.add_sink(&rec);
  sim::Simulation s(c, factory, trace);
  s.run();
  REQUIRE(seen.count(0, "message") == 0);
  REQUIRE(rec.of(sim::EventKind::drop_node_down).size() == 1);
  REQUIRE(s.metrics().network.node_down == 1);
}

TEST_CASE("simulation: a paused node handles what arrived during the pause when it resumes") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = busy_start;
  sim::SimConfig c = quiet_config(2);
  c.faults = {fault(1, sim::Fault::Kind::pause, {1}), fault(50, sim::Fault::Kind::resume, {1})};
  sim::Trace trace;
  Recorder rec;
  trace.add_sink(&rec);
  sim::Simulation s(c, factory, trace);
  s.run();
  REQUIRE(seen.count(1, "message") == 1);
  const auto delivered = rec.of(sim::EventKind::deliver);
  REQUIRE(delivered.size() == 1);
  REQUIRE(delivered[0].time_us == 50'000);  // sent at 0 with 5ms latency, held until the resume
}

TEST_CASE("simulation: a partition blocks messages between groups only") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = [](sim::NodeIndex id, sim::NodeOutput& out) {
    if (id == 0) {
      out.sends.push_back({1, std::make_shared<Msg>(1), {}});
      out.sends.push_back({2, std::make_shared<Msg>(2), {}});
    }
  };
  sim::SimConfig c = quiet_config(3);
  sim::Fault p;
  p.kind = sim::Fault::Kind::partition;
  p.at = sim::Time{1000};  // the messages are in flight (5ms) when the partition starts
  p.groups = {{{sim::NodeRef::Kind::index, 0}, {sim::NodeRef::Kind::index, 1}}};
  c.faults = {p};
  sim::Trace trace;
  sim::Simulation s(c, factory, trace);
  s.run();
  REQUIRE(seen.count(1, "message") == 1);
  REQUIRE(seen.count(2, "message") == 0);
  REQUIRE(s.metrics().network.blocked == 1);
}

TEST_CASE("simulation: re-arming a timer cancels the earlier one") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = [](sim::NodeIndex id, sim::NodeOutput& out) {
    if (id != 0) return;
    out.timers.push_back({2, sim::Duration::millis(10), sim::Duration::millis(10)});
    out.timers.push_back({2, sim::Duration::millis(30), sim::Duration::millis(30)});
  };
  sim::SimConfig c = quiet_config(1);
  sim::Trace trace;
  Recorder rec;
  trace.add_sink(&rec);
  sim::Simulation s(c, factory, trace);
  s.run();
  const auto timers = rec.of(sim::EventKind::timer_fired);
  REQUIRE(timers.size() == 1);
  REQUIRE(timers[0].time_us == 30'000);
}

TEST_CASE("simulation: timer granularity rounds deadlines up") {
  Seen seen;
  FakeFactory factory(seen);
  factory.script = [](sim::NodeIndex, sim::NodeOutput& out) {
    out.timers.push_back({0, sim::Duration::micros(10'001), sim::Duration::micros(14'999)});
  };
  sim::SimConfig c = quiet_config(3);
  c.timer_granularity = sim::Duration::millis(5);
  sim::Trace trace;
  Recorder rec;
  trace.add_sink(&rec);
  sim::Simulation s(c, factory, trace);
  s.run();
  const auto timers = rec.of(sim::EventKind::timer_fired);
  REQUIRE(timers.size() == 3);
  for (const auto& t : timers) REQUIRE(t.time_us == 15'000);  // all three collide on the same instant
}

TEST_CASE("simulation: clients record invoke and ok in the history") {
  Seen seen;
  FakeFactory factory(seen);
  sim::SimConfig c = quiet_config(3);
  c.workload.clients = 2;
  sim::Trace trace;
  sim::Simulation s(c, factory, trace);
  s.run();
  const auto& h = s.history();
  REQUIRE(h.size() >= 4);
  std::map<std::uint64_t, int> open;
  for (const auto& e : h) {
    if (e.type == sim::HistoryEvent::Type::invoke) ++open[e.op_id];
    else --open[e.op_id];
  }
  int still_open = 0;
  for (const auto& [id, n] : open) {
    REQUIRE(n >= 0);
    still_open += n;
  }
  REQUIRE(still_open <= 2);  // at most the operations in flight at the end
  REQUIRE(s.metrics().ops_ok > 0);
  REQUIRE(s.metrics().ops_info == 0);
}
