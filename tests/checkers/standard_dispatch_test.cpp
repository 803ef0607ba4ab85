// CheckerSet's direct dispatch of the standard checkers (checkers/standard_dispatch.h) against its generic
// one: the same checkers, fed the same streams, must report the same violation (checker, time, nodes,
// message) at the same event, or none, and the same at finish().
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "checkers/checker.h"
#include "checkers/election_safety.h"
#include "checkers/figure2.h"
#include "checkers/standard_set.h"
#include "checkers/state_machine_safety.h"
#include "sim/trace_event.h"
#include "tests/support/test_draw.h"

namespace {

using sim::EventKind;
using sim::TraceEvent;

// A checker of no standard type: its presence makes a set dispatch generically. It reads nothing.
class Idle final : public checkers::Checker {
 public:
  const char* name() const override { return "idle"; }
  checkers::KindMask kinds() const override { return checkers::kind_bit(EventKind::timing); }
  std::optional<checkers::Violation> observe(const TraceEvent&) override { return std::nullopt; }
};

using test_support::Draw;

// A stream that looks like a Raft run of 5 nodes (appends follow the log, commits and applies stay within
// it, terms mostly rise), with a few malformed events mixed in, so that runs get far and sometimes fail.
std::vector<TraceEvent> make_stream(std::uint64_t seed, std::size_t length) {
  constexpr int kNodes = 5;
  Draw d{seed};
  std::vector<TraceEvent> out;
  std::uint64_t log[kNodes] = {}, commit[kNodes] = {}, applied[kNodes] = {}, term[kNodes] = {1, 1, 1, 1, 1};
  std::uint32_t incarnation[kNodes] = {1, 1, 1, 1, 1};
  bool up[kNodes] = {true, true, true, true, true};
  std::uint64_t max_term = 1, op = 0;
  std::int64_t t = 0;
  const auto push = [&](EventKind kind, int node, std::uint64_t a = 0, std::uint64_t b = 0, std::uint64_t c = 0,
                        int peer = -1, std::uint16_t label = 0) {
    TraceEvent e;
    e.time_us = (t += 1 + static_cast<std::int64_t>(d.below(50)));
    e.kind = kind;
    e.node = node;
    e.peer = peer;
    e.label = label;
    e.incarnation = node >= 0 ? incarnation[node] : 0;
    e.a = a;
    e.b = b;
    e.c = c;
    out.push_back(e);
  };
  push(EventKind::timing, -1, 150000, 300000, 50000);
  for (int n = 0; n < kNodes; ++n) push(EventKind::role, n, 0, 1);
  while (out.size() < length) {
    const int n = static_cast<int>(d.below(kNodes));
    const auto i = static_cast<std::size_t>(n);
    const int peer = static_cast<int>(d.below(kNodes));
    const bool odd = d.chance(3);  // a malformed event now and then
    if (!up[i]) {
      if (d.chance(100)) {
        up[i] = true;
        ++incarnation[i];
        push(EventKind::restart, n, incarnation[i], 0);
        push(EventKind::role, n, 0, term[i]);
      } else if (odd) {
        push(EventKind::send, n, term[i], 0, 0, peer, 2);  // a dead node acting
      }
      continue;
    }
    switch (d.below(16)) {
      case 0:
      case 1: push(EventKind::send, n, odd ? term[i] + 5 : term[i], 0, 0, peer, static_cast<std::uint16_t>(d.below(8))); break;
      case 2:
      case 3: push(EventKind::deliver, peer, term[i], 0, 0, n, static_cast<std::uint16_t>(d.below(8))); break;
      case 4: push(EventKind::disk_write, n, d.below(100), 64); break;
      case 5: push(EventKind::disk_synced, n, d.below(100)); break;
      case 6:
      case 7: {
        const std::uint64_t index = odd ? log[i] + 2 : log[i] + 1;
        push(EventKind::log_append, n, index, term[i], d.below(4));
        if (!odd) log[i] = index;
        break;
      }
      case 8:
        if (log[i] > commit[i]) {
          commit[i] = odd ? log[i] + 1 : commit[i] + 1 + d.below(log[i] - commit[i]);
          push(EventKind::commit, n, commit[i]);
        }
        break;
      case 9:
        if (commit[i] > applied[i]) {
          ++applied[i];
          push(EventKind::apply, n, applied[i], term[i], d.below(4));
        }
        break;
      case 10: {
        const std::uint64_t role = d.below(4);
        if (d.chance(300) || role == 1) term[i] = ++max_term;
        if (odd) term[i] = term[i] > 1 ? term[i] - 1 : 1;  // entries have terms >= 1
        push(EventKind::role, n, role, term[i]);
        break;
      }
      case 11: push(EventKind::vote, n, term[i], static_cast<std::uint64_t>(peer)); break;
      case 12:
        if (log[i] > 0 && d.chance(200)) {
          const std::uint64_t from = 1 + d.below(log[i]);
          push(EventKind::log_truncate, n, from);
          log[i] = from - 1;
          commit[i] = std::min(commit[i], log[i]);
        }
        break;
      case 13:
        if (d.chance(100)) {
          up[i] = false;
          log[i] = commit[i] = applied[i] = 0;
          push(EventKind::crash, n, 0);
        }
        break;
      case 14:
        push(EventKind::client_invoke, n, ++op, 0, 0, 100);
        if (d.chance(500)) push(EventKind::client_ok, n, op, log[i], term[i], 100, 1);
        break;
      default:
        if (d.chance(20)) push(EventKind::phase, -1, 1, static_cast<std::uint64_t>(t + 1000));
        break;
    }
  }
  return out;
}

// A standard checker with views of its own (its own log mirror and configuration view: it judges every
// event it reads out of line, none of the inline paths that rely on the set's shared views), with the
// rules in `disabled` off as make_default_checkers turns them off.
template <typename T>
void add_with_own_views(checkers::CheckerSet& set, const std::vector<std::string>& disabled) {
  auto c = std::make_unique<T>();
  const std::vector<std::string> rules = c->rule_names();
  std::size_t off = 0;
  for (const std::string& rule : rules) {
    if (std::find(disabled.begin(), disabled.end(), rule) == disabled.end()) continue;
    ++off;
    if (rules.size() > 1) REQUIRE(c->disable_rule(rule));
  }
  if (off < rules.size()) set.add(std::move(c));
}

checkers::CheckerSet with_own_views(const std::vector<std::string>& disabled) {
  checkers::CheckerSet set;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (add_with_own_views<std::tuple_element_t<I, checkers::StandardCheckers>>(set, disabled), ...);
  }(std::make_index_sequence<std::tuple_size_v<checkers::StandardCheckers>>{});
  return set;
}

struct Outcome {
  std::optional<std::size_t> at;  // the event that failed, if one did
  std::optional<checkers::Violation> violation;
};

Outcome run(checkers::CheckerSet& set, const std::vector<TraceEvent>& stream) {
  Outcome o;
  for (std::size_t k = 0; k < stream.size(); ++k) {
    if (!set.on_event(stream[k])) {
      o.at = k;
      break;
    }
  }
  if (!o.at) set.finish(stream.back().time_us + 1);
  o.violation = set.violation();
  return o;
}

}  // namespace

TEST_CASE("standard dispatch: the default set dispatches directly, and another checker type makes it generic",
          "[checkers][set]") {
  checkers::CheckerSet set = checkers::make_default_checkers();
  CHECK(set.dispatches_directly());
  CHECK(set.dispatches_full());
  set.add(std::make_unique<Idle>());
  CHECK_FALSE(set.dispatches_directly());
  CHECK_FALSE(set.dispatches_full());
  // Disabled checkers leave a subsequence of the standard order: still direct, with presence tests.
  CHECK(checkers::make_default_checkers({"election-safety", "liveness", "vote-grant"}).dispatches_directly());
  CHECK_FALSE(checkers::make_default_checkers({"election-safety", "liveness", "vote-grant"}).dispatches_full());
  CHECK_FALSE(checkers::make_default_checkers({"liveness"}).dispatches_full());
  // A rule of Figure 2 off keeps the checker: every standard type is still in the set.
  CHECK(checkers::make_default_checkers({"vote-grant"}).dispatches_full());
  // Out of the standard order: generic.
  checkers::CheckerSet reordered;
  reordered.add(std::make_unique<checkers::StateMachineSafety>());
  reordered.add(std::make_unique<checkers::ElectionSafety>());
  CHECK_FALSE(reordered.dispatches_directly());
  checkers::CheckerSet empty;
  CHECK_FALSE(empty.dispatches_directly());
}

TEST_CASE("standard dispatch: the same violations at the same events as the generic dispatch", "[checkers][set]") {
  // Each stream is run again with the checker that fired disabled, until none fires: so the streams are
  // checked deep into them and by every checker, not only up to the first malformed event.
  std::size_t violations = 0;
  std::vector<std::string> fired;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const std::vector<TraceEvent> stream = make_stream(seed, 3000);
    std::vector<std::string> disabled;
    for (int round = 0; round < 60; ++round) {
      checkers::CheckerSet direct = checkers::make_default_checkers(disabled);
      checkers::CheckerSet generic = checkers::make_default_checkers(disabled);
      generic.add(std::make_unique<Idle>());
      REQUIRE(direct.dispatches_directly());
      REQUIRE_FALSE(generic.dispatches_directly());
      if (round == 0) REQUIRE(direct.dispatches_full());  // both of its tables are compared
      const Outcome a = run(direct, stream);
      const Outcome b = run(generic, stream);
      INFO("seed " << seed << ", round " << round);
      REQUIRE(a.at == b.at);
      REQUIRE(a.violation.has_value() == b.violation.has_value());
      // The checkers' inline paths (which read the set's shared views) against their slow paths alone.
      checkers::CheckerSet own = with_own_views(disabled);
      REQUIRE_FALSE(own.dispatches_directly());
      const Outcome c = run(own, stream);
      REQUIRE(a.at == c.at);
      REQUIRE(a.violation.has_value() == c.violation.has_value());
      if (a.violation) {
        CHECK(a.violation->checker == c.violation->checker);
        CHECK(a.violation->time_us == c.violation->time_us);
        CHECK(a.violation->nodes == c.violation->nodes);
        CHECK(a.violation->message == c.violation->message);
      }
      if (!a.violation) break;
      ++violations;
      CHECK(a.violation->checker == b.violation->checker);
      CHECK(a.violation->time_us == b.violation->time_us);
      CHECK(a.violation->nodes == b.violation->nodes);
      CHECK(a.violation->message == b.violation->message);
      if (std::find(fired.begin(), fired.end(), a.violation->checker) == fired.end()) fired.push_back(a.violation->checker);
      if (a.violation->checker == "idle") break;
      disabled.push_back(a.violation->checker);
      if (disabled.size() == checkers::default_checker_names().size()) break;  // the set would be empty
    }
  }
  CHECK(violations > 100);
  CHECK(fired.size() >= 10);  // many checkers fired, each the same way both ways
}

TEST_CASE("standard dispatch: the inline commit paths report a commit past the node's log as the slow paths do",
          "[checkers][set]") {
  // Node 0 appends index 1 in term 1 and commits it (the committed prefix grows to 1), then commits index 2,
  // beyond its log, with the prefix unchanged: leader-completeness reports it, inline path or not.
  std::vector<TraceEvent> stream;
  const auto push = [&](EventKind kind, std::int32_t node, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    TraceEvent e;
    e.time_us = static_cast<std::int64_t>(10 * (stream.size() + 1));
    e.kind = kind;
    e.node = node;
    e.incarnation = node >= 0 ? 1 : 0;
    e.a = a;
    e.b = b;
    e.c = c;
    stream.push_back(e);
  };
  // Three nodes, all followers in term 1 and voting for node 0, which becomes leader.
  const auto elect_node_0 = [&] {
    push(EventKind::timing, -1, 150000, 300000, 50000);
    for (std::int32_t n = 0; n < 3; ++n) push(EventKind::role, n, 0, 1);
    for (std::int32_t n = 0; n < 3; ++n) push(EventKind::vote, n, 1, 0);
    push(EventKind::role, 0, 2, 1);
  };
  // Figure 2's rules off: the stream has no messages, which they would want for the votes and appends.
  const std::vector<std::string> disabled = checkers::Figure2Rules().rule_names();
  // The direct dispatch (inline paths) and checkers with their own views (slow paths) report the stream's
  // last event, by `checker`, with the same message.
  const auto require_same_violation_at_end = [&](const std::string& checker) {
    checkers::CheckerSet direct = checkers::make_default_checkers(disabled);
    checkers::CheckerSet own = with_own_views(disabled);
    REQUIRE(direct.dispatches_directly());
    const Outcome a = run(direct, stream);
    const Outcome c = run(own, stream);
    INFO("at " << (a.at ? static_cast<long>(*a.at) : -1L) << ": "
               << (a.violation ? a.violation->checker + ": " + a.violation->message : ""));
    REQUIRE(a.at == std::optional<std::size_t>{stream.size() - 1});
    REQUIRE(c.at == a.at);
    REQUIRE(a.violation);
    CHECK(a.violation->checker == checker);
    CHECK(a.violation->message == c.violation->message);
  };

  elect_node_0();
  for (std::int32_t n = 0; n < 3; ++n) push(EventKind::log_append, n, 1, 1, 7);
  push(EventKind::commit, 0, 1);
  push(EventKind::commit, 1, 1);  // a follower's commit: the inline paths
  push(EventKind::commit, 0, 2);  // past node 0's log
  require_same_violation_at_end("leader-completeness");

  // Another stream: node 2 (in term 2) commits index 1 holding another entry there than the committed one,
  // at an index commit-quorum already counted, with no log shrunk since: commit-quorum reports it, inline
  // path or not.
  stream.clear();
  elect_node_0();
  for (std::int32_t n = 0; n < 2; ++n) push(EventKind::log_append, n, 1, 1, 7);
  push(EventKind::commit, 0, 1);
  push(EventKind::commit, 1, 1);
  push(EventKind::role, 2, 0, 2);
  push(EventKind::log_append, 2, 1, 2, 9);
  push(EventKind::commit, 2, 1);
  require_same_violation_at_end("commit-quorum");
}
