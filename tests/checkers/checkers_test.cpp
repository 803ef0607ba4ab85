// Unit tests for the checkers on hand-made event streams: each property of the Raft paper's Figure 3 that
// a checker implements must fire on a violating stream and stay silent on a correct (even tricky) one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/election_safety.h"
#include "checkers/liveness.h"
#include "checkers/log_matching.h"
#include "checkers/state_machine_safety.h"
#include "sim/trace_event.h"

namespace {

using sim::EventKind;
using sim::TraceEvent;

// Events carry increasing timestamps so a violation's time can be checked against the event that caused it.
class Stream {
 public:
  TraceEvent event(EventKind kind, std::int32_t node, std::uint64_t a = 0, std::uint64_t b = 0,
                   std::uint64_t c = 0) {
    TraceEvent e;
    time_us_ += 100;
    e.time_us = time_us_;
    e.kind = kind;
    e.node = node;
    e.a = a;
    e.b = b;
    e.c = c;
    return e;
  }
  TraceEvent leader(std::int32_t node, std::uint64_t term) {
    return event(EventKind::role, node, static_cast<std::uint64_t>(sim::Role::leader), term);
  }
  TraceEvent candidate(std::int32_t node, std::uint64_t term) {
    return event(EventKind::role, node, static_cast<std::uint64_t>(sim::Role::candidate), term);
  }
  TraceEvent follower(std::int32_t node, std::uint64_t term) {
    return event(EventKind::role, node, static_cast<std::uint64_t>(sim::Role::follower), term);
  }
  TraceEvent append(std::int32_t node, std::uint64_t index, std::uint64_t term, std::uint64_t digest) {
    return event(EventKind::log_append, node, index, term, digest);
  }
  TraceEvent truncate(std::int32_t node, std::uint64_t from) { return event(EventKind::log_truncate, node, from); }
  TraceEvent apply(std::int32_t node, std::uint64_t index, std::uint64_t term, std::uint64_t digest) {
    return event(EventKind::apply, node, index, term, digest);
  }
  TraceEvent crash(std::int32_t node) { return event(EventKind::crash, node); }
  TraceEvent restart(std::int32_t node, std::uint64_t incarnation) {
    return event(EventKind::restart, node, incarnation);
  }
  TraceEvent phase(std::uint64_t p) { return event(EventKind::phase, -1, p); }
  TraceEvent invoke(std::int32_t node, std::uint64_t op) { return event(EventKind::client_invoke, node, op); }
  TraceEvent ok(std::int32_t node, std::uint64_t op) { return event(EventKind::client_ok, node, op); }
  TraceEvent fail(std::int32_t node, std::uint64_t op) { return event(EventKind::client_fail, node, op); }
  std::int64_t now() const { return time_us_; }

 private:
  std::int64_t time_us_ = 0;
};

// Feeds every event; returns the first violation and the index of the event that raised it.
struct FirstViolation {
  std::optional<checkers::Violation> violation;
  std::size_t at = 0;
};

FirstViolation feed(checkers::Checker& checker, const std::vector<TraceEvent>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (auto v = checker.observe(events[i])) return {std::move(v), i};
  }
  return {};
}

void require_silent(checkers::Checker& checker, const std::vector<TraceEvent>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto v = checker.observe(events[i]);
    INFO("event #" << i << " kind " << sim::event_kind_name(events[i].kind) << " node " << events[i].node);
    if (v) FAIL_CHECK("unexpected violation: " << v->checker << ": " << v->message);
    REQUIRE_FALSE(v.has_value());
  }
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Election Safety (Figure 3): at most one leader can be elected in a given term.

TEST_CASE("Election Safety (Fig. 3): two leaders in one term is a violation", "[checkers][election-safety]") {
  Stream s;
  checkers::ElectionSafety checker;
  const std::vector<TraceEvent> events = {
      s.candidate(0, 1), s.leader(0, 1),  s.candidate(1, 2), s.leader(1, 2),
      s.follower(0, 2),  s.candidate(2, 2), s.leader(2, 2),  // node 2 also leads term 2
  };
  auto [v, at] = feed(checker, events);
  REQUIRE(v.has_value());
  CHECK(at == 6);
  CHECK(v->checker == "election-safety");
  CHECK(std::string(checker.name()) == "election-safety");
  CHECK(v->severity == checkers::Severity::safety);
  CHECK(v->time_us == events[6].time_us);
  CHECK(v->nodes == std::vector<std::int32_t>{1, 2});
  CHECK(contains(v->message, "term 2"));
  CHECK(contains(v->message, "node 1"));
  CHECK(contains(v->message, "node 2"));
}

TEST_CASE("Election Safety (Fig. 3): a violation in a high term names that term", "[checkers][election-safety]") {
  Stream s;
  checkers::ElectionSafety checker;
  auto [v, at] = feed(checker, {s.leader(4, 17), s.leader(3, 16), s.leader(3, 17)});
  REQUIRE(v.has_value());
  CHECK(at == 2);
  CHECK(v->nodes == std::vector<std::int32_t>{4, 3});
  CHECK(contains(v->message, "term 17"));
}

TEST_CASE("Election Safety (Fig. 3): one leader per term, including legal repeats, is silent",
          "[checkers][election-safety]") {
  Stream s;
  checkers::ElectionSafety checker;
  require_silent(checker, {
                              // Several candidates in one term are fine: only leaders count.
                              s.candidate(0, 1), s.candidate(1, 1), s.candidate(2, 1), s.leader(0, 1),
                              // The same node reporting leader again in the same term is not a second leader.
                              s.leader(0, 1), s.follower(1, 1), s.leader(0, 1),
                              // A different leader in each later term.
                              s.follower(0, 2), s.candidate(1, 2), s.leader(1, 2), s.candidate(2, 3),
                              s.leader(2, 3),
                              // Back to an old leader in a new term.
                              s.leader(0, 4),
                              // A crash and restart of the term-4 leader, which re-reports leadership of term 4.
                              s.crash(0), s.restart(0, 1), s.follower(0, 4), s.leader(0, 4),
                              // Followers and candidates in a term that already has a leader.
                              s.follower(3, 4), s.candidate(4, 4),
                          });
}

// ---------------------------------------------------------------------------------------------------------
// Log Matching (Figure 3): if two logs contain an entry with the same index and term, the logs are identical
// in all entries up through that index.

TEST_CASE("Log Matching (Fig. 3): same index and term with different entries is a violation",
          "[checkers][log-matching]") {
  Stream s;
  checkers::LogMatching checker;
  const std::vector<TraceEvent> events = {
      s.append(0, 1, 1, 0xA), s.append(0, 2, 1, 0xB), s.append(1, 1, 1, 0xA),
      s.append(1, 2, 1, 0xC),  // index 2, term 1 but a different entry than node 0's
  };
  auto [v, at] = feed(checker, events);
  REQUIRE(v.has_value());
  CHECK(at == 3);
  CHECK(v->checker == "log-matching");
  CHECK(std::string(checker.name()) == "log-matching");
  CHECK(v->severity == checkers::Severity::safety);
  CHECK(v->time_us == events[3].time_us);
  CHECK(v->nodes == std::vector<std::int32_t>{0, 1});
  CHECK(contains(v->message, "index 2"));
  CHECK(contains(v->message, "term 1"));
}

TEST_CASE("Log Matching (Fig. 3): matching entry but different earlier prefix is a violation",
          "[checkers][log-matching]") {
  Stream s;
  checkers::LogMatching checker;
  // Index 2 has (term 2, same digest) on both nodes, but index 1 differs (different terms, so that alone is
  // legal); the property says the logs must be identical up through index 2.
  const std::vector<TraceEvent> events = {
      s.append(0, 1, 1, 0xA),
      s.append(0, 2, 2, 0xB),
      s.append(1, 1, 2, 0xD),
      s.append(1, 2, 2, 0xB),
  };
  auto [v, at] = feed(checker, events);
  REQUIRE(v.has_value());
  CHECK(at == 3);
  CHECK(v->nodes == std::vector<std::int32_t>{0, 1});
  CHECK(contains(v->message, "index 2"));
  CHECK(contains(v->message, "term 2"));
}

TEST_CASE("Log Matching: a node's own log must be contiguous and term-monotonic", "[checkers][log-matching]") {
  Stream s;
  checkers::LogMatching checker;

  SECTION("append with a gap") {
    auto [v, at] = feed(checker, {s.append(2, 1, 1, 0xA), s.append(2, 3, 1, 0xC)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
    CHECK(v->nodes == std::vector<std::int32_t>{2});
    CHECK(contains(v->message, "index 3"));
    CHECK(contains(v->message, "ending at 1"));
  }
  SECTION("overwrite without truncation") {
    auto [v, at] = feed(checker, {s.append(0, 1, 1, 0xA), s.append(0, 2, 1, 0xB), s.append(0, 2, 2, 0xC)});
    REQUIRE(v.has_value());
    CHECK(at == 2);
    CHECK(contains(v->message, "index 2"));
  }
  SECTION("term going backwards within a log") {
    auto [v, at] = feed(checker, {s.append(0, 1, 3, 0xA), s.append(0, 2, 2, 0xB)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
    CHECK(contains(v->message, "term 2"));
    CHECK(contains(v->message, "term 3"));
  }
  SECTION("truncation beyond the end of the log") {
    auto [v, at] = feed(checker, {s.append(1, 1, 1, 0xA), s.truncate(1, 5)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
    CHECK(v->nodes == std::vector<std::int32_t>{1});
    CHECK(contains(v->message, "index 5"));
  }
  SECTION("truncation from index 0") {
    auto [v, at] = feed(checker, {s.append(1, 1, 1, 0xA), s.truncate(1, 0)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
  }
  SECTION("after a crash the log is empty: replay must start at index 1") {
    auto [v, at] = feed(checker, {s.append(0, 1, 1, 0xA), s.append(0, 2, 1, 0xB), s.crash(0), s.append(0, 3, 1, 0xC)});
    REQUIRE(v.has_value());
    CHECK(at == 3);
    CHECK(contains(v->message, "ending at 0"));
  }
}

TEST_CASE("Log Matching (Fig. 3): legal histories with truncation, crashes and divergent terms are silent",
          "[checkers][log-matching]") {
  Stream s;
  checkers::LogMatching checker;
  require_silent(checker, {
                              // Term 1: leader 0 replicates two entries to everyone and a third only to node 1.
                              s.append(0, 1, 1, 0xA), s.append(0, 2, 1, 0xB), s.append(0, 3, 1, 0xC),
                              s.append(1, 1, 1, 0xA), s.append(1, 2, 1, 0xB), s.append(1, 3, 1, 0xC),
                              s.append(2, 1, 1, 0xA), s.append(2, 2, 1, 0xB),
                              // Term 2: node 2 leads and writes a different entry at index 3.
                              s.append(2, 3, 2, 0xD),
                              // Node 1 truncates its uncommitted index 3 and takes the leader's entry:
                              // same index, different term, different digest.
                              s.truncate(1, 3), s.append(1, 3, 2, 0xD),
                              // Term 3: node 3 (empty so far) catches up to index 2, then leads and writes a
                              // term-3 entry at index 3. Node 0 still holds (3, term 1), node 1 and node 2 hold
                              // (3, term 2): three different terms at one index on different nodes.
                              s.append(3, 1, 1, 0xA), s.append(3, 2, 1, 0xB), s.append(3, 3, 3, 0xE),
                              // Truncating at the end (nothing removed) is legal.
                              s.truncate(3, 4),
                              // Node 0 crashes and restarts, replaying its durable log from index 1.
                              s.crash(0), s.restart(0, 1), s.append(0, 1, 1, 0xA), s.append(0, 2, 1, 0xB),
                              s.append(0, 3, 1, 0xC),
                              // Then it truncates and takes the term-3 entry, and more entries follow.
                              s.truncate(0, 3), s.append(0, 3, 3, 0xE), s.append(0, 4, 3, 0xF),
                              s.append(3, 4, 3, 0xF),
                              // Node 2 truncates two entries at once and catches up.
                              s.truncate(2, 3), s.append(2, 3, 3, 0xE), s.append(2, 4, 3, 0xF),
                              // A truncation of the whole log followed by a re-append of the same entries.
                              s.truncate(1, 1), s.append(1, 1, 1, 0xA), s.append(1, 2, 1, 0xB),
                              s.append(1, 3, 3, 0xE), s.append(1, 4, 3, 0xF),
                          });
}

// ---------------------------------------------------------------------------------------------------------
// State Machine Safety (Figure 3): if a server has applied a log entry at a given index to its state machine,
// no other server will ever apply a different log entry for the same index.

TEST_CASE("State Machine Safety (Fig. 3): a different entry applied at the same index is a violation",
          "[checkers][state-machine-safety]") {
  Stream s;
  checkers::StateMachineSafety checker;

  SECTION("different digest") {
    const std::vector<TraceEvent> events = {s.apply(0, 1, 1, 0xA), s.apply(0, 2, 1, 0xB), s.apply(1, 1, 1, 0xA),
                                            s.apply(1, 2, 1, 0xBAD)};
    auto [v, at] = feed(checker, events);
    REQUIRE(v.has_value());
    CHECK(at == 3);
    CHECK(v->checker == "state-machine-safety");
    CHECK(std::string(checker.name()) == "state-machine-safety");
    CHECK(v->severity == checkers::Severity::safety);
    CHECK(v->time_us == events[3].time_us);
    CHECK(v->nodes == std::vector<std::int32_t>{0, 1});
    CHECK(contains(v->message, "index 2"));
    CHECK(contains(v->message, "0000000000000bad"));
    CHECK(contains(v->message, "000000000000000b"));
  }
  SECTION("same digest but a different term") {
    auto [v, at] = feed(checker, {s.apply(2, 1, 1, 0xA), s.apply(4, 1, 2, 0xA)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
    CHECK(v->nodes == std::vector<std::int32_t>{2, 4});
    CHECK(contains(v->message, "index 1"));
    CHECK(contains(v->message, "term 2"));
    CHECK(contains(v->message, "term 1"));
  }
  SECTION("a node re-applying a different entry after a crash") {
    auto [v, at] = feed(checker, {s.apply(0, 1, 1, 0xA), s.crash(0), s.apply(0, 1, 1, 0xE)});
    REQUIRE(v.has_value());
    CHECK(at == 2);
    CHECK(v->nodes == std::vector<std::int32_t>{0, 0});
  }
}

TEST_CASE("State Machine Safety: each node applies in index order without gaps", "[checkers][state-machine-safety]") {
  Stream s;
  checkers::StateMachineSafety checker;

  SECTION("a gap") {
    auto [v, at] = feed(checker, {s.apply(0, 1, 1, 0xA), s.apply(0, 3, 1, 0xC)});
    REQUIRE(v.has_value());
    CHECK(at == 1);
    CHECK(v->nodes == std::vector<std::int32_t>{0});
    CHECK(contains(v->message, "index 3"));
    CHECK(contains(v->message, "index 1"));
  }
  SECTION("not starting at index 1") {
    auto [v, at] = feed(checker, {s.apply(3, 2, 1, 0xB)});
    REQUIRE(v.has_value());
    CHECK(at == 0);
    CHECK(v->nodes == std::vector<std::int32_t>{3});
  }
  SECTION("re-applying without a crash") {
    auto [v, at] = feed(checker, {s.apply(0, 1, 1, 0xA), s.apply(0, 2, 1, 0xB), s.apply(0, 1, 1, 0xA)});
    REQUIRE(v.has_value());
    CHECK(at == 2);
  }
  SECTION("a restart event alone does not reset the applied index (only a crash does)") {
    auto [v, at] = feed(checker, {s.apply(0, 1, 1, 0xA), s.restart(0, 1), s.apply(0, 1, 1, 0xA)});
    REQUIRE(v.has_value());
    CHECK(at == 2);
  }
}

TEST_CASE("State Machine Safety (Fig. 3): identical applies, lagging nodes and replay after a crash are silent",
          "[checkers][state-machine-safety]") {
  Stream s;
  checkers::StateMachineSafety checker;
  require_silent(checker, {
                              s.apply(0, 1, 1, 0xA), s.apply(0, 2, 1, 0xB), s.apply(1, 1, 1, 0xA),
                              s.apply(0, 3, 2, 0xC),
                              // Node 1 crashes (a crash for a node that never applied is fine too) ...
                              s.crash(1), s.crash(4),
                              // ... restarts and rebuilds its state machine from index 1 with the same entries.
                              s.restart(1, 1), s.apply(1, 1, 1, 0xA), s.apply(1, 2, 1, 0xB), s.apply(1, 3, 2, 0xC),
                              // A lagging node catches up much later.
                              s.apply(2, 1, 1, 0xA), s.apply(2, 2, 1, 0xB), s.apply(2, 3, 2, 0xC),
                              s.apply(2, 4, 2, 0xD), s.apply(0, 4, 2, 0xD),
                              // The first applier crashes twice in a row and replays again.
                              s.crash(0), s.crash(0), s.apply(0, 1, 1, 0xA), s.apply(0, 2, 1, 0xB),
                              // Log events do not matter to this checker.
                              s.append(3, 7, 9, 0x1), s.truncate(3, 1),
                          });
}

// ---------------------------------------------------------------------------------------------------------
// Liveness after faults heal: an operation invoked in the liveness phase must complete.

TEST_CASE("Liveness: an operation invoked after the heal that completes is progress", "[checkers][liveness]") {
  Stream s;
  checkers::Liveness checker;
  CHECK(std::string(checker.name()) == "liveness");
  require_silent(checker, {s.invoke(-1, 1), s.phase(0), s.phase(1), s.leader(2, 5), s.invoke(2, 7), s.invoke(2, 8),
                           s.fail(2, 8), s.ok(2, 7)});
  CHECK_FALSE(checker.finish(s.now() + 1000).has_value());
}

TEST_CASE("Liveness: no completion after the heal is a liveness violation", "[checkers][liveness]") {
  Stream s;
  checkers::Liveness checker;

  SECTION("invokes without any ok, no leader") {
    require_silent(checker, {s.phase(1), s.invoke(0, 3), s.invoke(1, 4), s.fail(1, 4)});
    const std::int64_t end = 5'000'000;
    auto v = checker.finish(end);
    REQUIRE(v.has_value());
    CHECK(v->checker == "liveness");
    CHECK(v->severity == checkers::Severity::liveness);
    CHECK(v->time_us == end);
    CHECK(v->nodes.empty());
    CHECK(contains(v->message, "healed at 0.1ms"));
    CHECK(contains(v->message, "none of the 2 client operations"));
    CHECK(contains(v->message, "by 5000ms"));
    CHECK(contains(v->message, "no new leader"));
    CHECK(contains(v->message, "never"));
  }
  SECTION("an ok only for an operation invoked before the heal does not count") {
    require_silent(checker, {s.invoke(0, 1), s.phase(1), s.leader(3, 4), s.ok(0, 1), s.invoke(3, 2)});
    auto v = checker.finish(s.now() + 100);
    REQUIRE(v.has_value());
    CHECK(v->severity == checkers::Severity::liveness);
    CHECK(contains(v->message, "a leader was elected at 0.3ms"));
    CHECK(contains(v->message, "none of the 1 client operations"));
    CHECK(contains(v->message, "at 0.4ms"));  // the last ok
  }
  SECTION("heal with no operation invoked at all") {
    require_silent(checker, {s.invoke(0, 1), s.ok(0, 1), s.phase(1)});
    auto v = checker.finish(9'000);
    REQUIRE(v.has_value());
    CHECK(contains(v->message, "none of the 0 client operations"));
  }
}

TEST_CASE("Liveness: without a liveness phase there is nothing to check", "[checkers][liveness]") {
  Stream s;
  checkers::Liveness checker;
  require_silent(checker, {s.phase(0), s.invoke(0, 1), s.invoke(1, 2), s.leader(0, 1)});
  CHECK_FALSE(checker.finish(1'000'000).has_value());
}

// ---------------------------------------------------------------------------------------------------------
// CheckerSet

TEST_CASE("CheckerSet: the default set holds the four Figure 3 / liveness checkers in order", "[checkers][set]") {
  const checkers::CheckerSet set = checkers::make_default_checkers();
  CHECK(set.names() ==
        std::vector<std::string>{"election-safety", "log-matching", "leader-completeness", "leader-append-only", "state-machine-safety", "monotonic-term", "monotonic-commit", "dead-incarnation", "implementation-error", "single-vote", "election-quorum", "commit-quorum", "commit-current-term", "snapshot-state", "applied-monotonic", "term-adoption", "stale-term-request", "vote-grant",
                                                "append-receiver", "follower-commit", "reply-claim", "candidate-conversion",
                                                "election-timer", "persistence", "pre-vote-state", "pre-vote-grant", "check-quorum",
                                                "transfer-up-to-date", "transfer-proposals", "read-index-commit",
                                                "read-index-quorum", "lease-read", "lease-vote", "one-change-at-a-time", "change-own-term", "removed-leader",
                                                "durability", "liveness"});
  CHECK_FALSE(set.violation().has_value());
}

TEST_CASE("CheckerSet: the first violation stops the run and is kept", "[checkers][set]") {
  Stream s;
  checkers::CheckerSet set = checkers::make_default_checkers();
  CHECK(set.on_event(s.phase(1)));
  CHECK(set.on_event(s.leader(0, 1)));
  CHECK(set.on_event(s.apply(0, 1, 1, 0xA)));
  CHECK_FALSE(set.violation().has_value());

  const TraceEvent second_leader = s.leader(1, 1);
  CHECK_FALSE(set.on_event(second_leader));
  REQUIRE(set.violation().has_value());
  CHECK(set.violation()->checker == "election-safety");
  CHECK(set.violation()->time_us == second_leader.time_us);

  // Afterwards every event is refused, even harmless ones, and a later violation does not replace the first.
  CHECK_FALSE(set.on_event(s.follower(2, 1)));
  CHECK_FALSE(set.on_event(s.apply(1, 1, 1, 0xBAD)));
  CHECK(set.violation()->checker == "election-safety");
  // Nor does finish() (which would otherwise report liveness: nothing completed after the heal).
  set.finish(s.now() + 1000);
  CHECK(set.violation()->checker == "election-safety");
}

TEST_CASE("CheckerSet: finish() reports the liveness violation of a clean stream", "[checkers][set]") {
  Stream s;
  checkers::CheckerSet set = checkers::make_default_checkers();
  CHECK(set.on_event(s.phase(1)));
  CHECK(set.on_event(s.invoke(0, 1)));
  CHECK_FALSE(set.violation().has_value());
  set.finish(s.now() + 1000);
  REQUIRE(set.violation().has_value());
  CHECK(set.violation()->checker == "liveness");
  CHECK(set.violation()->severity == checkers::Severity::liveness);
}

TEST_CASE("CheckerSet: a custom set runs only its own checkers", "[checkers][set]") {
  Stream s;
  checkers::CheckerSet set;
  set.add(std::make_unique<checkers::StateMachineSafety>());
  CHECK(set.names() == std::vector<std::string>{"state-machine-safety"});
  CHECK(set.on_event(s.leader(0, 1)));
  CHECK(set.on_event(s.leader(1, 1)));  // no election-safety checker here
  CHECK(set.on_event(s.apply(0, 1, 1, 0xA)));
  CHECK_FALSE(set.on_event(s.apply(1, 1, 1, 0xB)));
  REQUIRE(set.violation().has_value());
  CHECK(set.violation()->checker == "state-machine-safety");
}

namespace {
// Counts what it is handed; fires at the `fire_at`-th event it sees (0: never).
class CountingChecker final : public checkers::Checker {
 public:
  CountingChecker(const char* name, checkers::KindMask kinds, int fire_at)
      : name_(name), kinds_(kinds), fire_at_(fire_at) {}
  const char* name() const override { return name_; }
  checkers::KindMask kinds() const override { return kinds_; }
  std::optional<checkers::Violation> observe(const TraceEvent& e) override {
    seen.push_back(e.kind);
    if (static_cast<int>(seen.size()) != fire_at_) return std::nullopt;
    return checkers::Violation{name_, checkers::Severity::safety, e.time_us, {}, "fired"};
  }
  std::vector<EventKind> seen;

 private:
  const char* name_;
  checkers::KindMask kinds_;
  int fire_at_;
};
}  // namespace

TEST_CASE("checker set: a checker is handed only the event kinds it states, in stream order", "[checkers]") {
  Stream s;
  auto roles = std::make_unique<CountingChecker>("roles", checkers::kind_bit(EventKind::role), 0);
  auto all = std::make_unique<CountingChecker>("all", checkers::kAllKinds, 0);
  CountingChecker* roles_view = roles.get();
  CountingChecker* all_view = all.get();
  checkers::CheckerSet set;
  set.add(std::move(roles));
  set.add(std::move(all));
  for (EventKind k : {EventKind::send, EventKind::role, EventKind::log_append, EventKind::role, EventKind::commit}) {
    REQUIRE(set.on_event(s.event(k, 0, 2, 1)));
  }
  REQUIRE(roles_view->seen == std::vector<EventKind>{EventKind::role, EventKind::role});
  REQUIRE(all_view->seen.size() == 5);
  REQUIRE_FALSE(set.violation().has_value());
}

TEST_CASE("checker set: at one event the checker added first is reported, whatever the kinds", "[checkers]") {
  Stream s;
  checkers::CheckerSet set;
  auto first = std::make_unique<CountingChecker>("first", checkers::kind_bit(EventKind::commit), 1);
  auto second = std::make_unique<CountingChecker>("second", checkers::kAllKinds, 2);
  CountingChecker* second_view = second.get();
  set.add(std::move(first));
  set.add(std::move(second));
  REQUIRE(set.on_event(s.event(EventKind::send, 0)));
  REQUIRE_FALSE(set.on_event(s.event(EventKind::commit, 0, 1)));  // both would fire here
  REQUIRE(set.violation().has_value());
  REQUIRE(set.violation()->checker == "first");
  REQUIRE(second_view->seen.size() == 1);  // the set stops at the first violation
  REQUIRE_FALSE(set.on_event(s.event(EventKind::commit, 0, 2)));
  REQUIRE(second_view->seen.size() == 1);
}
