// Tests for the checkers' bounded memory (issue 14, goal 2): the log mirror stores per node only what
// differs from the committed prefix, log matching and leader completeness answer for committed entries
// from that one prefix, state-machine safety keeps applied entries densely. Each test is a violation that
// involves an old entry whose private copy is no longer kept, or the bound itself.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/leader_completeness.h"
#include "checkers/log_matching.h"
#include "checkers/log_mirror.h"
#include "checkers/state_machine_safety.h"
#include "checkers/term_maxima.h"
#include "checkers/term_runs.h"
#include "tests/checkers/event_feed.h"

namespace {

using checker_test::Ev;
using checker_test::feed;
using sim::EventKind;

constexpr auto kLeader = static_cast<std::uint64_t>(sim::Role::leader);

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Feeds one event to a mirror and requires it to be well formed.
void apply(checkers::LogMirror& mirror, const Ev& ev) {
  std::int64_t t = 0;
  const auto problem = mirror.apply(checker_test::to_event(ev, t));
  INFO((problem ? *problem : std::string()));
  REQUIRE_FALSE(problem.has_value());
}

}  // namespace

TEST_CASE("log mirror: committed entries that a node holds as committed are stored once", "[checkers][memory]") {
  checkers::LogMirror mirror;
  for (std::uint64_t i = 1; i <= 100; ++i) {
    for (std::int32_t n = 0; n < 3; ++n) apply(mirror, Ev{EventKind::log_append, n, i, 1, 1000 + i});
  }
  // Node 3 holds the committed entries 1..4, then an entry of its own at 5 (a deposed leader's, say).
  for (std::uint64_t i = 1; i <= 4; ++i) apply(mirror, Ev{EventKind::log_append, 3, i, 1, 1000 + i});
  apply(mirror, Ev{EventKind::log_append, 3, 5, 1, 0xD1FF});
  CHECK(mirror.stored_slots() == 305);
  apply(mirror, Ev{EventKind::commit, 0, 90});
  CHECK(mirror.committed().size() == 90);
  CHECK(mirror.stored_slots() == 31);  // each node keeps only its 10 uncommitted entries, node 3 its own one
  CHECK(mirror.log(3).base() == 4);
  CHECK(mirror.at(3, 5)->digest == 0xD1FF);  // not folded: it differs from the committed entry 5
  CHECK(mirror.at(3, 4)->digest == 1004);
  for (std::int32_t n = 0; n < 3; ++n) {
    CHECK(mirror.log(n).base() == 90);
    CHECK(mirror.log(n).size() == 100);
    for (std::uint64_t i = 1; i <= 100; ++i) {
      const auto* slot = mirror.at(n, i);
      REQUIRE(slot != nullptr);
      CHECK(slot->term == 1);
      CHECK(slot->digest == 1000 + i);
    }
  }
  // A truncation below the shared prefix shortens the node's log; what stays is still the committed entries.
  apply(mirror, Ev{EventKind::log_truncate, 2, 50});
  CHECK(mirror.log(2).size() == 49);
  CHECK(mirror.log(2).base() == 49);
  apply(mirror, Ev{EventKind::log_append, 2, 50, 2, 7});
  CHECK(mirror.at(2, 50)->term == 2);
  CHECK(mirror.at(2, 49)->digest == 1049);
  // A crashed node's log is kept aside as it was, without a copy of the shared prefix.
  apply(mirror, Ev{EventKind::crash, 1});
  REQUIRE(mirror.log_at_crash(1).has_value());
  CHECK(mirror.log_at_crash(1)->size() == 100);
  CHECK(mirror.log_at_crash(1)->at(42)->digest == 1042);
  CHECK(mirror.log(1).size() == 0);
}

TEST_CASE("log matching: a different entry at an old committed index is still caught", "[checkers][memory]") {
  checkers::LogMatching checker;
  // Node 1 appends the entries first, node 0 commits them: the violation names the first appender.
  std::vector<Ev> events;
  for (std::uint64_t i = 1; i <= 20; ++i) events.push_back(Ev{EventKind::log_append, 1, i, 1, 100 + i});
  for (std::uint64_t i = 1; i <= 20; ++i) events.push_back(Ev{EventKind::log_append, 0, i, 1, 100 + i});
  events.push_back(Ev{EventKind::commit, 0, 20});
  // Node 2 holds the same entries up to 4, then a different entry 5 of the same term.
  for (std::uint64_t i = 1; i <= 4; ++i) events.push_back(Ev{EventKind::log_append, 2, i, 1, 100 + i});
  std::int64_t t = 0;
  for (const Ev& ev : events) REQUIRE_FALSE(checker.observe(checker_test::to_event(ev, t)).has_value());
  const auto v = checker.observe(checker_test::to_event(Ev{EventKind::log_append, 2, 5, 1, 0xBAD}, t));
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{1, 2});
  CHECK(contains(v->message, "node 1 and node 2 both have an entry at index 5 in term 1"));
}

TEST_CASE("log matching: an entry of a losing term at a committed index is still compared", "[checkers][memory]") {
  checkers::LogMatching checker;
  const auto v = feed(checker, {
                                   Ev{EventKind::log_append, 0, 1, 1, 0xA},
                                   Ev{EventKind::log_append, 1, 1, 2, 0xB},  // another leader's entry at index 1
                                   Ev{EventKind::log_append, 2, 1, 1, 0xA},
                                   Ev{EventKind::commit, 0, 1},               // index 1 committed in term 1
                                   Ev{EventKind::log_append, 0, 2, 3, 0xC},
                                   Ev{EventKind::commit, 0, 2},
                                   Ev{EventKind::log_append, 2, 2, 3, 0xC},
                                   Ev{EventKind::crash, 1},
                                   Ev{EventKind::restart, 1, 2},
                                   Ev{EventKind::log_append, 1, 1, 2, 0xD},  // (1, 2) again, another entry
                               });
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{1, 1});
  CHECK(contains(v->message, "index 1 in term 2"));
}

TEST_CASE("log matching: a first-seen term that loses its index, and long runs of commits, are still compared",
          "[checkers][memory]") {
  // At index 1 the deposed leader's term 2 is seen first, then term 3 wins and commits: the losing (1, 2) is
  // kept (node 1 may reload it), and (1, 3)'s first appender is node 2, not the node that committed it.
  checkers::LogMatching checker;
  std::vector<Ev> events{
      Ev{EventKind::log_append, 1, 1, 2, 0xB},
      Ev{EventKind::log_append, 2, 1, 3, 0xA},
      Ev{EventKind::log_append, 0, 1, 3, 0xA},
      Ev{EventKind::commit, 0, 1},
  };
  // Then 300 entries appended by two nodes and committed one at a time (the window is reused many times).
  for (std::uint64_t i = 2; i <= 301; ++i) {
    events.push_back(Ev{EventKind::log_append, 0, i, 3, 100 + i});
    events.push_back(Ev{EventKind::log_append, 2, i, 3, 100 + i});
    events.push_back(Ev{EventKind::commit, 0, i});
  }
  events.push_back(Ev{EventKind::log_append, 0, 302, 3, 7});  // uncommitted, seen first by node 0
  std::int64_t t = 0;
  for (const Ev& ev : events) REQUIRE_FALSE(checker.observe(checker_test::to_event(ev, t)).has_value());
  REQUIRE_FALSE(checker.observe(checker_test::to_event(Ev{EventKind::log_truncate, 1, 1}, t)).has_value());
  auto v = checker.observe(checker_test::to_event(Ev{EventKind::log_append, 1, 1, 2, 0xD}, t));
  REQUIRE(v.has_value());  // another entry (1, 2) than the one node 1 held first
  CHECK(v->nodes == std::vector<std::int32_t>{1, 1});
  CHECK(contains(v->message, "index 1 in term 2"));

  checkers::LogMatching again;
  t = 0;
  for (const Ev& ev : events) REQUIRE_FALSE(again.observe(checker_test::to_event(ev, t)).has_value());
  for (std::uint64_t i = 1; i <= 301; ++i) {
    REQUIRE_FALSE(again.observe(checker_test::to_event(Ev{EventKind::log_append, 3, i, 3, i == 1 ? 0xA : 100 + i}, t)).has_value());
  }
  v = again.observe(checker_test::to_event(Ev{EventKind::log_append, 3, 302, 3, 8}, t));
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{0, 3});
  CHECK(contains(v->message, "node 0 and node 3 both have an entry at index 302 in term 3"));
  // The committed (1, 3) names its first appender, node 2, though node 0 committed it.
  checkers::LogMatching third;
  t = 0;
  for (const Ev& ev : events) REQUIRE_FALSE(third.observe(checker_test::to_event(ev, t)).has_value());
  v = third.observe(checker_test::to_event(Ev{EventKind::log_append, 4, 1, 3, 0xE}, t));
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{2, 4});
}

TEST_CASE("leader completeness: a leader lacking an old committed entry names who committed it",
          "[checkers][memory]") {
  checkers::LeaderCompleteness checker;
  std::vector<Ev> events = {Ev{EventKind::role, 0, kLeader, 1}, Ev{EventKind::role, 1, 0, 1},
                            Ev{EventKind::role, 2, 0, 1}};
  for (std::uint64_t i = 1; i <= 30; ++i) {
    for (std::int32_t n = 0; n < 3; ++n) events.push_back(Ev{EventKind::log_append, n, i, 1, 500 + i});
  }
  events.push_back(Ev{EventKind::commit, 0, 10});
  events.push_back(Ev{EventKind::commit, 1, 20});  // node 1 is the first to report 11..20 committed
  events.push_back(Ev{EventKind::commit, 0, 30});
  // Node 2's entries are all folded into the shared prefix; it loses 15.. and takes other entries of term 1.
  events.push_back(Ev{EventKind::log_truncate, 2, 15});
  for (std::uint64_t i = 15; i <= 30; ++i) events.push_back(Ev{EventKind::log_append, 2, i, 1, 900 + i});
  std::int64_t t = 0;
  for (const Ev& ev : events) REQUIRE_FALSE(checker.observe(checker_test::to_event(ev, t)).has_value());
  const auto v = checker.observe(checker_test::to_event(Ev{EventKind::role, 2, kLeader, 2}, t));
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{1, 2});
  CHECK(contains(v->message, "node 2 became leader of term 2 without committed index 15 (term 1, committed by node 1)"));
}

TEST_CASE("state machine safety: a different entry at an index first applied past a gap is caught",
          "[checkers][memory]") {
  checkers::StateMachineSafety checker;
  const auto v = feed(checker, {
                                   Ev{EventKind::apply, 0, 1, 1, 0xA},
                                   Ev{EventKind::snapshot_installed, 1, 5, 1},
                                   Ev{EventKind::apply, 1, 6, 1, 0xF},  // first applied at 6, beyond 1..1
                                   Ev{EventKind::apply, 0, 2, 1, 0xB},
                                   Ev{EventKind::apply, 0, 3, 1, 0xC},
                                   Ev{EventKind::apply, 0, 4, 1, 0xD},
                                   Ev{EventKind::apply, 0, 5, 1, 0xE},
                                   Ev{EventKind::apply, 0, 6, 1, 0x6},  // differs from node 1's at 6
                               });
  REQUIRE(v.has_value());
  CHECK(v->nodes == std::vector<std::int32_t>{1, 0});
  CHECK(contains(v->message, "at index 6 but node 1 applied"));
}

// A fixed pseudo-random sequence for the property tests below (xorshift64: the same on every platform).
namespace {
struct XorShift {
  std::uint64_t x;
  std::uint64_t operator()() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};
}  // namespace

TEST_CASE("term runs: the Figure 2 checker's log terms answer as a vector does", "[checkers][memory]") {
  checkers::TermRuns runs;
  std::vector<std::uint64_t> vec;
  XorShift next{12345};  // a fixed sequence of operations: appends, truncations, gaps, sets
  std::uint64_t term = 1;
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t op = next() % 100;
    if (op < 80) {
      if (next() % 50 == 0) ++term;
      runs.push_back(term);
      vec.push_back(term);
    } else if (op < 90 && !vec.empty()) {
      const std::uint64_t n = next() % (vec.size() + 1);
      runs.resize(n);
      vec.resize(n);
    } else if (op < 95) {
      const std::uint64_t n = vec.size() + next() % 4;  // a gap filled with term 0
      runs.resize(n, 0);
      vec.resize(n, 0);
    } else if (op < 98 && !vec.empty()) {
      runs.set(vec.size() - 1, term);  // the last entry, as a snapshot at the log's end sets it
      vec.back() = term;
    } else if (!vec.empty()) {
      // Any entry, to any term (a snapshot at an index inside the log): splits a run, or merges neighbours.
      const std::uint64_t i = next() % vec.size();
      const std::uint64_t t = next() % 3 == 0 ? term : 1 + next() % (term + 1);
      runs.set(i, t);
      vec[i] = t;
    }
    REQUIRE(runs.size() == vec.size());
    REQUIRE(runs.empty() == vec.empty());
    if (!vec.empty()) REQUIRE(runs.back() == vec.back());
    if (!vec.empty()) {
      const std::uint64_t i = next() % vec.size();
      REQUIRE(runs[i] == vec[i]);
    }
  }
  for (std::uint64_t i = 0; i < vec.size(); ++i) REQUIRE(runs[i] == vec[i]);
  // The point: memory per term change, not per entry.
  checkers::TermRuns log;
  for (std::uint64_t i = 0; i < 30000; ++i) log.push_back(7 + i / 10000);
  CHECK(log.size() == 30000);
  CHECK(log.runs() == 3);
  CHECK(log[9999] == 7);
  CHECK(log[10000] == 8);
}

TEST_CASE("term maxima: the highest verified index up to a term answers as a walk over a map does", "[checkers][speed]") {
  checkers::TermMaxima maxima;
  std::map<std::uint64_t, std::uint64_t> map;  // term -> highest value: what the Figure 2 checker walked
  XorShift next{987654321};  // a fixed sequence: raises mostly at the newest term, some at old ones
  std::uint64_t term = 1;
  for (int step = 0; step < 5000; ++step) {
    if (next() % 20 == 0) term += 1 + next() % 3;
    const std::uint64_t t = next() % 4 == 0 ? 1 + next() % term : term;
    const std::uint64_t value = next() % 1000;
    maxima.raise(t, value);
    map[t] = std::max(map[t], value);
    const std::uint64_t q = next() % (term + 2);
    std::uint64_t expected = 0;
    for (auto it = map.begin(); it != map.end() && it->first <= q; ++it) expected = std::max(expected, it->second);
    REQUIRE(maxima.max_up_to(q) == expected);
    const auto found = map.find(q);
    REQUIRE(maxima.at(q) == (found == map.end() ? 0 : found->second));
  }
  CHECK(maxima.max_up_to(0) == 0);  // no term 0 is ever raised here
}
