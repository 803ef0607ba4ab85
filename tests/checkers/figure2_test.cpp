// The Figure 2 rules (checkers/figure2.h): for each rule a hand-made stream that breaks it at one step, and
// the same stream done right, which must stay silent.
#include <catch2/catch.hpp>

#include "checkers/figure2.h"
#include "tests/checkers/event_feed.h"

namespace {

using checker_test::Ev;
using checker_test::feed;
using K = sim::EventKind;

constexpr std::uint16_t kRV = 0, kRVReply = 1, kAE = 2, kAEReply = 3;
constexpr std::uint64_t kFollower = 0, kCandidate = 1, kLeader = 2;

Ev timing() { return Ev{K::timing, -1, 150'000, 300'000, 50'000}; }
Ev deliver(std::int32_t from, std::int32_t to, std::uint16_t kind, std::uint64_t term, std::uint64_t x = 0,
           std::uint64_t y = 0, std::int64_t at_us = -1) {
  return Ev{K::deliver, from, term, x, y, to, 1, kind, at_us};
}
Ev send(std::int32_t from, std::int32_t to, std::uint16_t kind, std::uint64_t term, std::uint64_t x = 0, std::uint64_t y = 0) {
  return Ev{K::send, from, term, x, y, to, 1, kind};
}
Ev role(std::int32_t n, std::uint64_t r, std::uint64_t term, std::int64_t at_us = -1) {
  return Ev{K::role, n, r, term, 0, -1, 1, 0, at_us};
}
Ev vote(std::int32_t n, std::uint64_t term, std::uint64_t candidate) { return Ev{K::vote, n, term, candidate}; }
Ev append(std::int32_t n, std::uint64_t index, std::uint64_t term) { return Ev{K::log_append, n, index, term, 7}; }
Ev truncate(std::int32_t n, std::uint64_t index) { return Ev{K::log_truncate, n, index}; }
Ev commit(std::int32_t n, std::uint64_t index) { return Ev{K::commit, n, index}; }
Ev write(std::int32_t n, std::uint64_t token) { return Ev{K::disk_write, n, token, 32}; }
Ev synced(std::int32_t n, std::uint64_t token) { return Ev{K::disk_synced, n, token}; }
Ev timer(std::int32_t n, std::int64_t at_us = -1) { return Ev{K::timer_fired, n, 0, 0, 0, -1, 1, 0, at_us}; }
Ev heal() { return Ev{K::heal, -1}; }

std::optional<checkers::Violation> run(std::initializer_list<Ev> events) {
  checkers::Figure2Rules rules;
  auto v = feed(rules, events);
  if (!v) v = rules.finish(1'000'000'000);
  return v;
}

}  // namespace

TEST_CASE("term-adoption: a higher term in any message makes the receiver a follower of that term") {
  const auto bad = run({timing(), role(1, kLeader, 3), deliver(2, 1, kAEReply, 5, 0, 0), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "term-adoption");
  CHECK(!run({timing(), role(1, kLeader, 3), deliver(2, 1, kAEReply, 5, 0, 0), role(1, kFollower, 5), write(1, 1), heal()}));
}

TEST_CASE("term-adoption: a candidate that hears from the leader of its term steps down") {
  const auto bad = run({timing(), role(1, kCandidate, 4), write(1, 1), deliver(2, 1, kAE, 4, 0, 0), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "term-adoption");
  CHECK(!run({timing(), role(1, kCandidate, 4), write(1, 1), deliver(2, 1, kAE, 4, 0, 0), role(1, kFollower, 4), heal()}));
}

TEST_CASE("term-adoption: a follower that heard from its leader may ignore a RequestVote (thesis 4.2.3)") {
  // Heard from the leader 20 ms before the vote request: ignoring it (no term change, no vote) is allowed.
  CHECK(!run({timing(), role(1, kFollower, 3, 0), deliver(2, 1, kAE, 3, 0, 0, 100'000),
              deliver(3, 1, kRV, 4, 0, 0, 120'000), send(1, 3, kRVReply, 3, 0), heal()}));
  // Long after it last heard from a leader, it must adopt the term.
  const auto bad = run({timing(), role(1, kFollower, 3, 0), deliver(2, 1, kAE, 3, 0, 0, 100'000),
                        deliver(3, 1, kRV, 4, 0, 0, 900'000), send(1, 3, kRVReply, 3, 0), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "term-adoption");
}

TEST_CASE("stale-term-request: a request of an older term changes nothing and is refused") {
  const auto bad = run({timing(), role(1, kFollower, 5), deliver(2, 1, kAE, 3, 0, 1), append(1, 1, 3), write(1, 1), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "stale-term-request");
  const auto granted = run({timing(), role(1, kFollower, 5), deliver(2, 1, kRV, 3, 0, 0), send(1, 2, kRVReply, 5, 1), heal()});
  REQUIRE(granted);
  CHECK(granted->checker == "stale-term-request");
  CHECK(!run({timing(), role(1, kFollower, 5), deliver(2, 1, kAE, 3, 0, 1), send(1, 2, kAEReply, 5, 0, 0), heal()}));
}

TEST_CASE("vote-grant: a vote goes only to a requester whose log is at least as up-to-date") {
  // Node 1 holds entries 1..3 of term 2; the candidate's log ends at index 5 of term 1: behind.
  const auto behind = run({timing(), role(1, kFollower, 2), append(1, 1, 2), append(1, 2, 2), append(1, 3, 2),
                           write(1, 1), heal(), deliver(2, 1, kRV, 3, 5, 1), role(1, kFollower, 3), vote(1, 3, 2),
                           write(1, 2), heal()});
  REQUIRE(behind);
  CHECK(behind->checker == "vote-grant");
  // The same with the candidate's log ending at index 3 of term 2: as up-to-date.
  CHECK(!run({timing(), role(1, kFollower, 2), append(1, 1, 2), append(1, 2, 2), append(1, 3, 2), write(1, 1), heal(),
              deliver(2, 1, kRV, 3, 3, 2), role(1, kFollower, 3), vote(1, 3, 2), write(1, 2), heal()}));
  // A vote for a node that did not ask in this step.
  const auto unasked = run({timing(), role(1, kFollower, 3), timer(1), vote(1, 3, 2), write(1, 1), heal()});
  REQUIRE(unasked);
  CHECK(unasked->checker == "vote-grant");
}

TEST_CASE("append-receiver: truncate only on a conflict, append only the request's entries") {
  // Entries 1..3 of term 1; an AppendEntries (prev 1, 2 entries) whose entry 2 has the same term 1.
  const auto no_conflict = run({timing(), role(1, kFollower, 1), append(1, 1, 1), append(1, 2, 1), append(1, 3, 1),
                                write(1, 1), heal(), deliver(2, 1, kAE, 1, 1, 2), truncate(1, 2), append(1, 2, 1),
                                append(1, 3, 1), write(1, 2), heal()});
  REQUIRE(no_conflict);
  CHECK(no_conflict->checker == "append-receiver");
  // The same request bringing entries of term 2 at index 2: a conflict, the truncation is right.
  CHECK(!run({timing(), role(1, kFollower, 2), append(1, 1, 1), append(1, 2, 1), append(1, 3, 1), write(1, 1), heal(),
              deliver(2, 1, kAE, 2, 1, 2), truncate(1, 2), append(1, 2, 2), append(1, 3, 2), write(1, 2), heal()}));
  // An append outside prev+1 .. prev+n.
  const auto outside = run({timing(), role(1, kFollower, 1), deliver(2, 1, kAE, 1, 0, 1), append(1, 1, 1),
                            append(1, 2, 1), write(1, 1), heal()});
  REQUIRE(outside);
  CHECK(outside->checker == "append-receiver");
  // A follower appending on a timer.
  const auto follower = run({timing(), role(1, kFollower, 1), timer(1), append(1, 1, 1), write(1, 1), heal()});
  REQUIRE(follower);
  CHECK(follower->checker == "append-receiver");
  CHECK(!run({timing(), role(1, kLeader, 1), Ev{K::client_request, 1, 9}, append(1, 1, 1), write(1, 1), heal()}));
}

TEST_CASE("follower-commit: a follower commits at most up to the last entry verified in its term") {
  const auto bad = run({timing(), role(1, kFollower, 1), append(1, 1, 1), append(1, 2, 1), append(1, 3, 1), write(1, 1),
                        heal(), deliver(2, 1, kAE, 1, 1, 0), commit(1, 3), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "follower-commit");
  CHECK(!run({timing(), role(1, kFollower, 1), append(1, 1, 1), append(1, 2, 1), append(1, 3, 1), write(1, 1), heal(),
              deliver(2, 1, kAE, 1, 1, 0), commit(1, 1), heal()}));
}

TEST_CASE("reply-claim: a success reply vouches only for what an AppendEntries of its term carried") {
  const auto bad = run({timing(), role(1, kFollower, 1), append(1, 1, 1), append(1, 2, 1), write(1, 1), synced(1, 1),
                        deliver(2, 1, kAE, 1, 1, 0), send(1, 2, kAEReply, 1, 1, 2), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "reply-claim");
  CHECK(!run({timing(), role(1, kFollower, 1), append(1, 1, 1), append(1, 2, 1), write(1, 1), synced(1, 1),
              deliver(2, 1, kAE, 1, 1, 0), send(1, 2, kAEReply, 1, 1, 1), heal()}));
  // Vouching for what it knows to be committed is fine (etcd answers a stale request with its commit).
  CHECK(!run({timing(), role(1, kFollower, 1), deliver(2, 1, kAE, 1, 0, 2), append(1, 1, 1), append(1, 2, 1), write(1, 1),
              synced(1, 1), deliver(2, 1, kAE, 1, 2, 0), commit(1, 2), heal(), deliver(3, 1, kAE, 2, 0, 0),
              role(1, kFollower, 2), write(1, 2), heal(), synced(1, 2), send(1, 3, kAEReply, 2, 1, 2), heal()}));
}

TEST_CASE("candidate-conversion: a candidate's term is one more, and a leader never becomes a candidate") {
  const auto skip = run({timing(), role(1, kFollower, 2, 0), timer(1, 400'000), role(1, kCandidate, 4), write(1, 1), heal()});
  REQUIRE(skip);
  CHECK(skip->checker == "candidate-conversion");
  const auto from_leader = run({timing(), role(1, kLeader, 2, 0), timer(1, 400'000), role(1, kCandidate, 3), write(1, 1), heal()});
  REQUIRE(from_leader);
  CHECK(from_leader->checker == "candidate-conversion");
  CHECK(!run({timing(), role(1, kFollower, 2, 0), timer(1, 400'000), role(1, kCandidate, 3), write(1, 1), heal()}));
}

TEST_CASE("election-timer: no election right after hearing from the leader") {
  // AppendEntries of its leader at 100 ms, an election 20 ms later: the timer was not reset.
  const auto bad = run({timing(), role(1, kFollower, 2, 0), deliver(2, 1, kAE, 2, 0, 0, 100'000), send(1, 2, kAEReply, 2, 1, 0),
                        timer(1, 120'000), role(1, kCandidate, 3), write(1, 1), heal()});
  REQUIRE(bad);
  CHECK(bad->checker == "election-timer");
  CHECK(!run({timing(), role(1, kFollower, 2, 0), deliver(2, 1, kAE, 2, 0, 0, 100'000), send(1, 2, kAEReply, 2, 1, 0),
              timer(1, 260'000), role(1, kCandidate, 3), write(1, 1), heal()}));
  // A clock set fast while the node was down still runs fast after its restart.
  CHECK(!run({timing(), role(1, kFollower, 2, 0), Ev{K::crash, 1, 0, 0, 0, -1, 1}, Ev{K::clock_rate, 1, 4'000'000, 0, 0, -1, 2},
              Ev{K::restart, 1, 2, 0, 0, -1, 2, 0, 100'000}, Ev{K::role, 1, kFollower, 2, 0, -1, 2},
              Ev{K::timer_fired, 1, 0, 0, 0, -1, 2, 0, 130'000}, Ev{K::role, 1, kCandidate, 3, 0, -1, 2}, Ev{K::disk_write, 1, 1, 32, 0, -1, 2}, heal()}));
  // A clock running 4x fast makes the same 60 ms legal: 150 ms of its time.
  CHECK(!run({timing(), role(1, kFollower, 2, 0), Ev{K::clock_rate, 1, 4'000'000}, deliver(2, 1, kAE, 2, 0, 0, 100'000),
              timer(1, 160'000), role(1, kCandidate, 3), write(1, 1), heal()}));
}

TEST_CASE("persistence: state changes are written, and replies wait until they are durable") {
  // A vote granted without any disk write in its step.
  const auto unwritten = run({timing(), role(1, kFollower, 3), deliver(2, 1, kRV, 3, 0, 0), vote(1, 3, 2), heal()});
  REQUIRE(unwritten);
  CHECK(unwritten->checker == "persistence");
  // The vote written, but the reply leaves before the write is durable.
  const auto early = run({timing(), role(1, kFollower, 3), deliver(2, 1, kRV, 3, 0, 0), vote(1, 3, 2), write(1, 1),
                          send(1, 2, kRVReply, 3, 1), heal()});
  REQUIRE(early);
  CHECK(early->checker == "persistence");
  // The reply after the write is durable.
  CHECK(!run({timing(), role(1, kFollower, 3), deliver(2, 1, kRV, 3, 0, 0), vote(1, 3, 2), write(1, 1), synced(1, 1),
              send(1, 2, kRVReply, 3, 1), heal()}));
  // A node that persists after its write in flight completes (etcd's Ready loop) may change its term with
  // no write of its own while the node has not learnt that the earlier write is durable (it was paused).
  CHECK(!run({timing(), role(1, kFollower, 3), timer(1), write(1, 1), Ev{K::pause, 1}, synced(1, 1), Ev{K::resume, 1},
              deliver(2, 1, kRV, 4, 0, 0), role(1, kFollower, 4), Ev{K::disk_notify, 1, 1}, write(1, 2), heal()}));
  // Without the pause it had learnt it: the change needs a write of its own.
  const auto unpaused = run({timing(), role(1, kFollower, 3), timer(1), write(1, 1), synced(1, 1), deliver(2, 1, kRV, 4, 0, 0),
                             role(1, kFollower, 4), heal()});
  REQUIRE(unpaused);
  CHECK(unpaused->checker == "persistence");
  // Entries: a success reply covering an entry whose write is pending.
  const auto entries = run({timing(), role(1, kFollower, 1), deliver(2, 1, kAE, 1, 0, 1), append(1, 1, 1), write(1, 1),
                            send(1, 2, kAEReply, 1, 1, 1), heal()});
  REQUIRE(entries);
  CHECK(entries->checker == "persistence");
}

TEST_CASE("figure-2 rules can be switched off one by one") {
  checkers::Figure2Rules rules;
  CHECK(rules.rule_names().size() == checkers::kFigure2RuleCount);
  CHECK(rules.disable_rule("persistence"));
  CHECK_FALSE(rules.disable_rule("no-such-rule"));
  CHECK(rules.rule_names().size() == checkers::kFigure2RuleCount - 1);
  CHECK(!feed(rules, {timing(), role(1, kFollower, 3), deliver(2, 1, kRV, 3, 0, 0), vote(1, 3, 2), heal()}));
}
