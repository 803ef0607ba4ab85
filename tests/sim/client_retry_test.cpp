// Clients as real clients are (issue 13 item 4): a request whose outcome is unknown is sent again with the
// same client and request id, to a node drawn from the seed; the network duplicates client messages; the
// history keeps one operation per logical request, and the client ignores replies it no longer waits for.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "checkers/linearizability.h"
#include "sim/simulation.h"
#include "tests/sim/recorder.h"
#include "tools/history/history_convert.h"

namespace {

using sim_test::Recorder;

// What the cluster does with client requests: never answer, or a key-value store shared by all nodes
// that answers `unknown` the first time it sees a request (as a leader that lost its leadership right
// after its entry committed) and `ok` to the retry, with or without a session table (thesis 6.3).
struct Store {
  enum class Mode { silent, kv_with_sessions, kv_without_sessions } mode = Mode::silent;
  std::map<std::string, std::string> data;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::string>> sessions;  // client -> (request, reply)
  std::set<std::uint64_t> seen_requests;
  std::vector<std::pair<sim::NodeIndex, sim::ClientRequest>> arrivals;

  void handle(sim::NodeIndex node, const sim::ClientRequest& r, sim::NodeOutput& out) {
    arrivals.push_back({node, r});
    if (mode == Mode::silent) return;
    sim::ClientReply reply;
    reply.client_id = r.client_id;
    reply.request_id = r.request_id;
    const bool first = seen_requests.insert(r.request_id).second;
    auto s = sessions.find(r.client_id);
    if (mode == Mode::kv_with_sessions && s != sessions.end() && s->second.first == r.request_id) {
      reply.value = s->second.second;  // applied already: the saved reply
    } else {
      if (r.op == sim::ClientOp::append) data[r.key] += r.value;
      if (r.op == sim::ClientOp::put) data[r.key] = r.value;
      reply.value = data[r.key];
      sessions[r.client_id] = {r.request_id, reply.value};
    }
    reply.status = first && r.op != sim::ClientOp::get ? sim::ReplyStatus::unknown : sim::ReplyStatus::ok;
    out.replies.push_back(reply);
  }
};

class StoreNode final : public sim::Node {
 public:
  StoreNode(sim::NodeIndex id, Store& store) : id_(id), store_(store) {}
  void start(sim::NodeOutput&) override {}
  void on_message(sim::NodeIndex, const sim::Payload&, sim::NodeOutput&) override {}
  void on_timer(std::uint16_t, sim::NodeOutput&) override {}
  void on_disk_done(std::uint64_t, sim::NodeOutput&) override {}
  void on_client_request(const sim::ClientRequest& r, sim::NodeOutput& out) override { store_.handle(id_, r, out); }

 private:
  sim::NodeIndex id_;
  Store& store_;
};

class StoreFactory final : public sim::NodeFactory {
 public:
  explicit StoreFactory(Store& store) : store_(store) {}
  std::unique_ptr<sim::Node> create(const sim::NodeContext& context) override {
    return std::make_unique<StoreNode>(context.id, store_);
  }
  std::string_view implementation_name() const override { return "store"; }
  std::string_view message_kind(std::uint16_t) const override { return "m"; }
  std::string_view timer_slot(std::uint16_t) const override { return "t"; }

 private:
  Store& store_;
};

sim::SimConfig client_config(std::uint32_t nodes, std::uint64_t seed) {
  sim::SimConfig c;
  c.seed = seed;
  c.nodes = nodes;
  c.liveness = false;
  c.duration = sim::Duration::millis(400);
  c.workload.clients = 1;
  c.workload.request_timeout = sim::Duration::millis(50);
  c.workload.retries_unknown = 3;
  return c;
}

// Per operation id: how many invokes and completions the history has.
std::map<std::uint64_t, std::pair<int, int>> ops_of(const std::vector<sim::HistoryEvent>& history) {
  std::map<std::uint64_t, std::pair<int, int>> ops;
  for (const auto& e : history) {
    if (e.type == sim::HistoryEvent::Type::invoke) ++ops[e.op_id].first;
    else ++ops[e.op_id].second;
  }
  return ops;
}

}  // namespace

TEST_CASE("clients: a retry after a timeout reuses the client and request id and may go to another node") {
  bool moved = false;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Store store;  // silent: every attempt times out
    StoreFactory factory(store);
    Recorder rec;
    sim::Trace trace;
    trace.add_sink(&rec);
    sim::Simulation s(client_config(5, seed), factory, trace);
    s.run();
    const auto sends = rec.of(sim::EventKind::client_send);
    const auto retries = rec.of(sim::EventKind::client_retry);
    REQUIRE(sends.size() >= 4);
    // The first operation: four attempts (the first and retries_unknown = 3 retries), one request id.
    const std::uint64_t op = sends[0].a;
    std::vector<sim::TraceEvent> attempts;
    for (const auto& e : sends) if (e.a == op) attempts.push_back(e);
    REQUIRE(attempts.size() == 4);
    for (std::size_t i = 0; i < attempts.size(); ++i) {
      CHECK(attempts[i].b == attempts[0].b);  // the same request id
      CHECK(attempts[i].c == i + 1);          // attempt number
      if (i > 0) moved = moved || attempts[i].node != attempts[i - 1].node;
    }
    REQUIRE(retries.size() >= 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(retries[i].a == op);
      CHECK(retries[i].c == i + 1);
      CHECK(retries[i].node == attempts[i + 1].node);  // the retry goes where it said
    }
    // Every arrival carries the client's id and the operation's request id, whichever node it reached.
    for (const auto& [node, r] : store.arrivals) {
      if (r.request_id == attempts[0].b) CHECK(r.client_id == 0);
    }
    // One operation in the history: its invoke, and an info only after the retries ran out.
    const auto ops = ops_of(s.history());
    REQUIRE(ops.count(op) == 1);
    CHECK(ops.at(op) == std::make_pair(1, 1));
    CHECK(s.history()[1].type == sim::HistoryEvent::Type::info);
    CHECK(s.history()[1].time.us - s.history()[0].time.us == 4 * 50'000);  // four timeouts
  }
  CHECK(moved);  // over ten seeds, some retry went to another node
}

TEST_CASE("clients: no retry with retries_unknown 0, the outcome is info after one timeout") {
  Store store;
  StoreFactory factory(store);
  Recorder rec;
  sim::Trace trace;
  trace.add_sink(&rec);
  sim::SimConfig c = client_config(3, 1);
  c.workload.retries_unknown = 0;
  sim::Simulation s(c, factory, trace);
  s.run();
  CHECK(rec.of(sim::EventKind::client_retry).empty());
  REQUIRE(s.history().size() >= 2);
  CHECK(s.history()[1].type == sim::HistoryEvent::Type::info);
  CHECK(s.history()[1].time.us - s.history()[0].time.us == 50'000);
}

TEST_CASE("clients: duplicated requests and replies: one operation each in the history, extra replies ignored") {
  Store store;
  store.mode = Store::Mode::kv_with_sessions;
  StoreFactory factory(store);
  Recorder rec;
  sim::Trace trace;
  trace.add_sink(&rec);
  sim::SimConfig c = client_config(1, 3);
  c.workload.clients = 2;
  c.network.duplicate_probability = 1.0;  // every client message gets an extra copy
  sim::Simulation s(c, factory, trace);
  s.run();
  const auto sends = rec.of(sim::EventKind::client_send);
  const auto dups = rec.of(sim::EventKind::client_duplicate);
  REQUIRE_FALSE(sends.empty());
  std::size_t request_copies = 0;
  for (const auto& d : dups) request_copies += d.b == 0;
  CHECK(request_copies == sends.size());      // each attempt was duplicated
  CHECK(dups.size() > request_copies);        // and replies too
  CHECK(store.arrivals.size() >= 2 * sends.size() - 2);  // copies arrive (the last may still travel)
  // However many copies and replies: one invoke and at most one completion per operation.
  for (const auto& [op, n] : ops_of(s.history())) {
    CHECK(n.first == 1);
    CHECK(n.second <= 1);
  }
  CHECK(s.metrics().ops_ok > 4);
}

TEST_CASE("clients: a retried request is one operation for the history checker, and a double apply fails it") {
  for (const bool sessions : {true, false}) {
    Store store;
    store.mode = sessions ? Store::Mode::kv_with_sessions : Store::Mode::kv_without_sessions;
    StoreFactory factory(store);
    Recorder rec;
    sim::Trace trace;
    trace.add_sink(&rec);
    sim::SimConfig c = client_config(1, 5);
    c.workload.clients = 2;
    c.workload.keys = 1;
    c.workload.mix = {1, 0, 1, 0};  // get and append
    sim::Simulation s(c, factory, trace);
    s.run();
    // Every append was answered `unknown` first and retried with the same ids.
    const auto retries = rec.of(sim::EventKind::client_retry);
    REQUIRE_FALSE(retries.empty());
    std::size_t invokes = 0;
    for (const auto& [op, n] : ops_of(s.history())) {
      CHECK(n.first == 1);
      CHECK(n.second <= 1);
      ++invokes;
    }
    const checkers::History history = tools::to_checker_history(s.history());
    CHECK(history.operations.size() == invokes);
    const checkers::LinResult r = checkers::check_linearizability(history);
    if (sessions) {
      CHECK(r.verdict == checkers::LinVerdict::linearizable);  // each append took effect once
    } else {
      CHECK(r.verdict == checkers::LinVerdict::not_linearizable);  // a read saw an append twice
    }
  }
}
