// A violation stops the run at once and is reported clearly: the checker, the time, the nodes, the
// events that led to it, and the command that reproduces it. Planted with a fake implementation whose
// every node claims leadership of term 1 (two leaders in one term), or never lets clients finish.
#include <catch2/catch.hpp>

#include <memory>

#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

namespace {

class SelfCrowningNode final : public sim::Node {
 public:
  explicit SelfCrowningNode(bool crown) : crown_(crown) {}
  void start(sim::NodeOutput& out) override {
    out.timers.push_back({0, sim::Duration::millis(10), sim::Duration::millis(20)});
  }
  void on_message(sim::NodeIndex, const sim::Payload&, sim::NodeOutput&) override {}
  void on_timer(std::uint16_t, sim::NodeOutput& out) override {
    if (crown_) out.observations.push_back({sim::EventKind::role, 2, 1, 0});  // leader of term 1
  }
  void on_disk_done(std::uint64_t, sim::NodeOutput&) override {}
  void on_client_request(const sim::ClientRequest&, sim::NodeOutput&) override {}  // never answers

 private:
  bool crown_;
};

class Factory final : public sim::NodeFactory {
 public:
  explicit Factory(bool crown) : crown_(crown) {}
  std::unique_ptr<sim::Node> create(const sim::NodeContext&) override {
    return std::make_unique<SelfCrowningNode>(crown_);
  }
  std::string_view implementation_name() const override { return "planted"; }
  std::string_view message_kind(std::uint16_t) const override { return "m"; }
  std::string_view timer_slot(std::uint16_t) const override { return "t"; }

 private:
  bool crown_;
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("violation: a leader without votes is reported at once by election-quorum") {
  const tools::Scenario s = tools::parse_scenario(R"({ "cluster": { "nodes": 3 }, "duration_ms": 1000 })", "planted.json");
  Factory factory(true);
  const tools::RunResult r = tools::run_scenario_with(s, 9, factory);
  REQUIRE(r.violation);
  CHECK(r.violation->checker == "election-quorum");
  CHECK(contains(r.violation->message, "with the votes of only 1 of"));
}

TEST_CASE("violation: two leaders in one term stop the run with a full report") {
  // The self-crowning nodes also lack votes (election-quorum would report that first) and change their term
  // without a disk write (the persistence rule): muted here, so the run goes on to the second leader of term 1.
  tools::Scenario s = tools::parse_scenario(
      R"({ "cluster": { "nodes": 3 }, "duration_ms": 1000,
           "checkers": { "disable": ["election-quorum", "persistence", "candidate-conversion"] } })", "planted.json");
  Factory factory(true);
  const tools::RunResult r = tools::run_scenario_with(s, 9, factory);
  REQUIRE(r.outcome == tools::Outcome::safety_violation);
  REQUIRE(tools::exit_code(r.outcome) == 1);
  REQUIRE(r.violation);
  CHECK(r.violation->checker == "election-safety");
  CHECK(r.violation->nodes.size() == 2);
  CHECK(r.end_time_us < 30'000);  // stopped at the violation, not at the end of the run
  CHECK(r.end_time_us == r.violation->time_us);
  REQUIRE_FALSE(r.recent_events.empty());
  CHECK(contains(r.recent_events.back(), "role"));
  const std::string report = tools::format_run_report(s, r);
  CHECK(contains(report, "seed       9"));
  CHECK(contains(report, "SAFETY VIOLATION"));
  CHECK(contains(report, "two leaders in term 1"));
  CHECK(contains(report, "raftsim run planted.json --seed 9"));
}

TEST_CASE("violation: a cluster that never serves clients is a liveness violation") {
  tools::Scenario s = tools::parse_scenario(
      R"({ "cluster": { "nodes": 3 }, "duration_ms": 500, "liveness": { "window_ms": 2000 } })", "stuck.json");
  Factory factory(false);
  const tools::RunResult r = tools::run_scenario_with(s, 3, factory);
  REQUIRE(r.outcome == tools::Outcome::liveness_violation);
  REQUIRE(tools::exit_code(r.outcome) == 2);
  CHECK(r.violation->checker == "liveness");
  CHECK(contains(r.violation->message, "healed at 500ms"));
  CHECK(contains(r.violation->message, "last healthy (a client operation completed) at never"));
}

TEST_CASE("violation: outcomes combine by severity over many seeds") {
  using tools::Outcome;
  CHECK(tools::worst(Outcome::pass, Outcome::liveness_violation) == Outcome::liveness_violation);
  CHECK(tools::worst(Outcome::safety_violation, Outcome::liveness_violation) == Outcome::safety_violation);
  CHECK(tools::worst(Outcome::pass, Outcome::pass) == Outcome::pass);
}

namespace {

// Answers every request ok at once, and every read with a value nobody wrote: a stale-read bug that no
// per-event checker can see, only the client history.
class LyingNode final : public sim::Node {
 public:
  void start(sim::NodeOutput&) override {}
  void on_message(sim::NodeIndex, const sim::Payload&, sim::NodeOutput&) override {}
  void on_timer(std::uint16_t, sim::NodeOutput&) override {}
  void on_disk_done(std::uint64_t, sim::NodeOutput&) override {}
  void on_client_request(const sim::ClientRequest& r, sim::NodeOutput& out) override {
    sim::ClientReply reply;
    reply.client_id = r.client_id;
    reply.request_id = r.request_id;
    reply.status = sim::ReplyStatus::ok;
    reply.value = r.op == sim::ClientOp::get ? "never-written" : "";
    reply.cas_succeeded = true;
    out.replies.push_back(reply);
  }
};

class LyingFactory final : public sim::NodeFactory {
 public:
  std::unique_ptr<sim::Node> create(const sim::NodeContext&) override { return std::make_unique<LyingNode>(); }
  std::string_view implementation_name() const override { return "lying"; }
  std::string_view message_kind(std::uint16_t) const override { return "m"; }
  std::string_view timer_slot(std::uint16_t) const override { return "t"; }
};

}  // namespace

TEST_CASE("violation: a history that is not linearizable fails the run through the history check") {
  // No liveness phase: these nodes never elect a leader, which the liveness checker would report first.
  tools::Scenario s = tools::parse_scenario(R"({ "cluster": { "nodes": 3 }, "duration_ms": 500,
      "workload": { "mix": { "get": 1, "put": 1, "append": 0, "cas": 0 } }, "liveness": { "enabled": false } })",
                                            "lying.json");
  LyingFactory factory;
  const tools::RunResult r = tools::run_scenario_with(s, 1, factory);
  REQUIRE(r.outcome == tools::Outcome::safety_violation);
  CHECK(r.violation->checker == "linearizability");
  CHECK(contains(r.violation->message, "never-written"));
  tools::RunOptions off;
  off.check_linearizability = false;
  CHECK(tools::run_scenario_with(s, 1, factory, off).outcome == tools::Outcome::pass);
}
