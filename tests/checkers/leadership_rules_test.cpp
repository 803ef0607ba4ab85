// The PreVote, CheckQuorum and leadership transfer rules (checkers/leadership_rules.h, Ongaro's thesis 9.6,
// 6.2, 3.10): for each rule a hand-made stream that breaks it, and the same stream done right.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "checkers/figure2.h"
#include "checkers/leadership_rules.h"
#include "tests/checkers/event_feed.h"

namespace {

using checker_test::Ev;
using checker_test::feed;
using K = sim::EventKind;

constexpr std::uint16_t kAE = 2, kAEReply = 3, kPreVote = 6, kPreVoteReply = 7, kTimeoutNow = 8;
constexpr std::uint64_t kFollower = 0, kLeader = 2, kPreCandidate = 3;

// Timeouts 150..300 ms, heartbeat 50 ms; features: bit 0 pre_vote, bit 1 check_quorum.
Ev timing(std::uint16_t features) { return Ev{K::timing, -1, 150'000, 300'000, 50'000, -1, 0, features, 0}; }
Ev deliver(std::int32_t from, std::int32_t to, std::uint16_t kind, std::uint64_t term, std::uint64_t x = 0,
           std::uint64_t y = 0, std::int64_t at_us = -1) {
  return Ev{K::deliver, from, term, x, y, to, 1, kind, at_us};
}
Ev send(std::int32_t from, std::int32_t to, std::uint16_t kind, std::uint64_t term, std::uint64_t x = 0, std::uint64_t y = 0,
        std::int64_t at_us = -1) {
  return Ev{K::send, from, term, x, y, to, 1, kind, at_us};
}
Ev role(std::int32_t n, std::uint64_t r, std::uint64_t term, std::int64_t at_us = -1) {
  return Ev{K::role, n, r, term, 0, -1, 1, 0, at_us};
}
Ev append(std::int32_t n, std::uint64_t index, std::uint64_t term) { return Ev{K::log_append, n, index, term, 7}; }
Ev timer(std::int32_t n, std::int64_t at_us = -1) { return Ev{K::timer_fired, n, 0, 0, 0, -1, 1, 0, at_us}; }
Ev client(std::int32_t n) { return Ev{K::client_request, n, 1}; }
Ev transfer_start(std::int32_t n, std::uint64_t target, std::uint64_t term) { return Ev{K::transfer_start, n, target, term}; }
Ev transfer_abandoned(std::int32_t n, std::uint64_t target, std::uint64_t term) {
  return Ev{K::transfer_abandoned, n, target, term};
}

Ev request(std::int32_t n, std::uint64_t id) { return Ev{K::client_request, n, id}; }
Ev read_served(std::int32_t n, std::uint64_t index, std::uint64_t term, std::uint64_t id) {
  return Ev{K::read_served, n, index, term, id};
}

// The checker with a configuration view of its own (it judges every event out of line), and the same stream
// through a set whose shared view it reads (its inline path returns idle events at once): the same verdict.
std::optional<checkers::Violation> run(std::initializer_list<Ev> events) {
  checkers::LeadershipRules rules;
  std::optional<checkers::Violation> own = feed(rules, events);
  checkers::CheckerSet set;
  set.add(std::make_unique<checkers::LeadershipRules>(set.shared_membership()));
  std::int64_t t = 0;
  for (const Ev& ev : events) {
    if (!set.on_event(checker_test::to_event(ev, t))) break;
  }
  const std::optional<checkers::Violation>& shared = set.violation();
  REQUIRE(own.has_value() == shared.has_value());
  if (own) {
    CHECK(own->checker == shared->checker);
    CHECK(own->message == shared->message);
  }
  return own;
}

// Three nodes at start: followers of term 0, node 0 then leader of term 1 with one entry.
#define CLUSTER3(features) timing(features), role(0, kFollower, 0), role(1, kFollower, 0), role(2, kFollower, 0)

}  // namespace

TEST_CASE("pre-vote-state: handling a PreVote changes no term and no vote (thesis 9.6)") {
  const auto bad = run({CLUSTER3(1), deliver(1, 2, kPreVote, 1), role(2, kFollower, 1), send(2, 1, kPreVoteReply, 1, 1)});
  REQUIRE(bad);
  CHECK(bad->checker == "pre-vote-state");
  CHECK(!run({CLUSTER3(1), deliver(1, 2, kPreVote, 1), send(2, 1, kPreVoteReply, 1, 1)}));
}

TEST_CASE("pre-vote-grant: no pre-vote while the leader of the current term is heard from (thesis 9.6)") {
  // Node 2 heard AppendEntries of term 1 at 1 ms; it grants at 11 ms: broken. At 200 ms (its timeout passed): fine.
  const auto bad = run({CLUSTER3(1), role(2, kFollower, 1), deliver(0, 2, kAE, 1, 0, 0, 1'000),
                        deliver(1, 2, kPreVote, 2, 0, 0, 10'000), send(2, 1, kPreVoteReply, 2, 1, 0, 11'000)});
  REQUIRE(bad);
  CHECK(bad->checker == "pre-vote-grant");
  CHECK(!run({CLUSTER3(1), role(2, kFollower, 1), deliver(0, 2, kAE, 1, 0, 0, 1'000), deliver(1, 2, kPreVote, 2, 0, 0, 200'000),
              send(2, 1, kPreVoteReply, 2, 1, 0, 200'010)}));
  // A refusal is always fine; a grant for a term below its own is not.
  CHECK(!run({CLUSTER3(1), role(2, kFollower, 1), deliver(0, 2, kAE, 1, 0, 0, 1'000), deliver(1, 2, kPreVote, 2, 0, 0, 10'000),
              send(2, 1, kPreVoteReply, 1, 0, 0, 11'000)}));
  const auto old_term = run({CLUSTER3(1), role(2, kFollower, 3), deliver(1, 2, kPreVote, 2), send(2, 1, kPreVoteReply, 2, 1)});
  REQUIRE(old_term);
  CHECK(old_term->checker == "pre-vote-grant");
}

TEST_CASE("check-quorum: with check_quorum a leader without a majority's contact steps down in time (thesis 6.2)") {
  // Leader 0 of term 1 from 0 ms; node 1 answers at 10 ms, then nothing. Bound: 2 x 150 ms + 50 ms after 10 ms.
  const auto bad = run({CLUSTER3(2), role(0, kLeader, 1, 0), deliver(1, 0, kAEReply, 1, 1, 1, 10'000),
                        timer(0, 400'000), send(0, 1, kAE, 1, 1, 0, 400'000)});
  REQUIRE(bad);
  CHECK(bad->checker == "check-quorum");
  // Stepping down in time, or hearing from a majority, or check_quorum off: silent.
  CHECK(!run({CLUSTER3(2), role(0, kLeader, 1, 0), deliver(1, 0, kAEReply, 1, 1, 1, 10'000), timer(0, 300'000),
              role(0, kFollower, 1, 300'000), timer(0, 400'000), send(0, 1, kAE, 1, 1, 0, 400'000)}));
  CHECK(!run({CLUSTER3(2), role(0, kLeader, 1, 0), deliver(1, 0, kAEReply, 1, 1, 1, 350'000), timer(0, 400'000),
              send(0, 1, kAE, 1, 1, 0, 400'000)}));
  CHECK(!run({CLUSTER3(0), role(0, kLeader, 1, 0), deliver(1, 0, kAEReply, 1, 1, 1, 10'000), timer(0, 400'000),
              send(0, 1, kAE, 1, 1, 0, 400'000)}));
  // A pause does not count against the leader: it cannot run its check while stopped.
  CHECK(!run({CLUSTER3(2), role(0, kLeader, 1, 0), deliver(1, 0, kAEReply, 1, 1, 1, 10'000), Ev{K::pause, 0, 0, 0, 0, -1, 1, 0, 20'000},
              Ev{K::resume, 0, 0, 0, 0, -1, 1, 0, 500'000}, timer(0, 500'000), send(0, 1, kAE, 1, 1, 0, 500'000)}));
}

TEST_CASE("transfer-up-to-date: TimeoutNow only to a target that acknowledged the leader's whole log (thesis 3.10)") {
  const auto bad = run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), append(0, 2, 1),
                        deliver(2, 0, kAEReply, 1, 1, 1), send(0, 2, kTimeoutNow, 1)});
  REQUIRE(bad);
  CHECK(bad->checker == "transfer-up-to-date");
  CHECK(!run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), append(0, 2, 1), deliver(2, 0, kAEReply, 1, 1, 2),
              send(0, 2, kTimeoutNow, 1)}));
}

TEST_CASE("transfer-up-to-date: an installed snapshot acknowledges the log up to its index (paper 7, thesis 3.10)") {
  constexpr std::uint16_t kISReply = 5;  // x = last included index, y = 1 when installed
  // The target caught up by InstallSnapshot: its "done" reply for index 2 covers the leader's whole log.
  CHECK(!run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), append(0, 2, 1), deliver(2, 0, kISReply, 1, 2, 1),
              send(0, 2, kTimeoutNow, 1)}));
  // A reply that is not "done" (a chunk accepted) acknowledges nothing.
  const auto bad = run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), append(0, 2, 1),
                        deliver(2, 0, kISReply, 1, 2, 0), send(0, 2, kTimeoutNow, 1)});
  REQUIRE(bad);
  CHECK(bad->checker == "transfer-up-to-date");
}

TEST_CASE("pre-vote-grant: an InstallSnapshot of the current term is hearing from the leader (paper 7, thesis 9.6)") {
  constexpr std::uint16_t kIS = 4;
  const auto bad = run({CLUSTER3(1), role(2, kFollower, 1), deliver(0, 2, kIS, 1, 5, 1, 1'000),
                        deliver(1, 2, kPreVote, 2, 0, 0, 10'000), send(2, 1, kPreVoteReply, 2, 1, 0, 11'000)});
  REQUIRE(bad);
  CHECK(bad->checker == "pre-vote-grant");
}

TEST_CASE("transfer-proposals: a transferring leader appends nothing until the transfer ends (thesis 3.10)") {
  const auto bad = run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), Ev{K::transfer_request, 0, 1, 0, 0, 2},
                        transfer_start(0, 2, 1), client(0), append(0, 2, 1)});
  REQUIRE(bad);
  CHECK(bad->checker == "transfer-proposals");
  CHECK(!run({CLUSTER3(0), role(0, kLeader, 1), append(0, 1, 1), transfer_start(0, 2, 1), timer(0),
              transfer_abandoned(0, 2, 1), client(0), append(0, 2, 1)}));
}

TEST_CASE("figure 2 term-adoption: a PreVote's term, or a granted reply's, is not a term to adopt (thesis 9.6)") {
  checkers::Figure2Rules rules;
  CHECK(!feed(rules, {Ev{K::timing, -1, 150'000, 300'000, 50'000}, role(2, kFollower, 1), deliver(1, 2, kPreVote, 2),
                      send(2, 1, kPreVoteReply, 1, 0), role(1, kPreCandidate, 1), deliver(0, 1, kPreVoteReply, 2, 1)}));
}

// Node 0 leads term 1 with entry 1 of its term; features bit 2: read_index.
#define READ_LEADER CLUSTER3(4), role(0, kLeader, 1), append(0, 1, 1)

TEST_CASE("read-index-quorum: a read is served only after a majority replied since it arrived (thesis 6.4)") {
  const auto none = run({READ_LEADER, request(0, 5), read_served(0, 1, 1, 5)});
  REQUIRE(none);
  CHECK(none->checker == "read-index-quorum");
  // A reply of the leader's term from node 1 after the request: two of three.
  CHECK(!run({READ_LEADER, request(0, 5), deliver(1, 0, kAEReply, 1, 1, 1), read_served(0, 1, 1, 5)}));
  // A reply that arrived before the request does not count.
  const auto early = run({READ_LEADER, deliver(1, 0, kAEReply, 1, 1, 1), request(0, 5), read_served(0, 1, 1, 5)});
  REQUIRE(early);
  CHECK(early->checker == "read-index-quorum");
  // A reply of an older term does not count either.
  CHECK(run({READ_LEADER, request(0, 5), deliver(1, 0, kAEReply, 0, 1, 1), read_served(0, 1, 1, 5)}));
  // A retry of the same operation (same request id) arriving again: the first arrival counts (the correct
  // build answers the read that arrived first, confirmed since then; seed 4000047 of swarm_nemesis).
  CHECK(!run({READ_LEADER, request(0, 5), deliver(1, 0, kAEReply, 1, 1, 1), request(0, 5), read_served(0, 1, 1, 5)}));
}

TEST_CASE("read-index-commit: the read index is a commit of the leader's own term (thesis 6.4 step 1)") {
  // Node 0 leads term 2; entry 1 is of term 1, entry 2 (its no-op) of term 2.
  const auto stale = run({CLUSTER3(4), role(0, kLeader, 2), append(0, 1, 1), append(0, 2, 2), request(0, 5),
                          deliver(1, 0, kAEReply, 2, 1, 2), read_served(0, 1, 2, 5)});
  REQUIRE(stale);
  CHECK(stale->checker == "read-index-commit");
  CHECK(!run({CLUSTER3(4), role(0, kLeader, 2), append(0, 1, 1), append(0, 2, 2), request(0, 5),
              deliver(1, 0, kAEReply, 2, 1, 2), read_served(0, 2, 2, 5)}));
  // Nothing committed at all, or served by a node that does not lead.
  CHECK(run({READ_LEADER, request(0, 5), deliver(1, 0, kAEReply, 1, 1, 1), read_served(0, 0, 1, 5)}));
  CHECK(run({CLUSTER3(4), role(1, kFollower, 1), append(1, 1, 1), read_served(1, 1, 1, 5)}));
}

namespace {
// Thesis 6.4.1: timing with features bit 3 (lease_reads), the bound the simulator announces, clock rates.
Ev lease_bound(double bound) { return Ev{K::lease_bound, -1, static_cast<std::uint64_t>(bound * 1e6)}; }
Ev clock_rate(std::int32_t n, double rate) { return Ev{K::clock_rate, n, static_cast<std::uint64_t>(rate * 1e6)}; }
Ev lease_read(std::int32_t n, std::uint64_t index, std::uint64_t term, std::uint64_t id) {
  return Ev{K::lease_read, n, index, term, id};
}
// Node 0 leads term 1 with entry 1; node 1's AppendEntries reply of term 1 (a majority with node 0) just now.
#define LEASE_LEADER CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 1), append(0, 1, 1), deliver(1, 0, kAEReply, 1, 1, 1)
}  // namespace

TEST_CASE("lease-read: no read under a lease after a leader of a higher term was elected (thesis 6.4.1)") {
  CHECK(!run({LEASE_LEADER, lease_read(0, 1, 1, 5)}));
  // Node 1 became leader of term 2 while node 0 still thought it led term 1 and read under its lease.
  const auto stale = run({LEASE_LEADER, role(1, kLeader, 2), lease_read(0, 1, 1, 5)});
  REQUIRE(stale);
  CHECK(stale->checker == "lease-read");
  CHECK(stale->nodes == (std::vector<std::int32_t>{0, 1}));
  // Clocks within the bound (1.4 / 1.0 < 1.5): the rule holds the Raft to it.
  CHECK(run({LEASE_LEADER, clock_rate(2, 1.4), role(1, kLeader, 2), lease_read(0, 1, 1, 5)}));
  // Two clocks 1.6 times apart: the environment broke the bound, the lease may fail without a bug (the
  // history checker judges what was read); from then on the rule's second half is silent.
  CHECK(!run({LEASE_LEADER, clock_rate(2, 1.6), role(1, kLeader, 2), lease_read(0, 1, 1, 5)}));
  CHECK(!run({LEASE_LEADER, clock_rate(2, 1.6), clock_rate(2, 1.0), role(1, kLeader, 2), lease_read(0, 1, 1, 5)}));
  // Without the bound announced (no lease_bound event), only the first half applies.
  CHECK(!run({CLUSTER3(8), role(0, kLeader, 1), append(0, 1, 1), role(1, kLeader, 2), lease_read(0, 1, 1, 5)}));
}

TEST_CASE("lease-read: a majority replied within min election timeout / bound of the leader's clock (thesis 6.4.1)") {
  // min 150 ms / 1.5 = 100 ms: a reply 99 ms ago may have answered the round the lease began with.
  CHECK(!run({LEASE_LEADER, Ev{K::lease_read, 0, 1, 1, 5, -1, 1, 0, 99'000}}));
  const auto expired = run({LEASE_LEADER, Ev{K::lease_read, 0, 1, 1, 5, -1, 1, 0, 101'000}});
  REQUIRE(expired);
  CHECK(expired->checker == "lease-read");
  // A leader whose clock runs at half speed: its 100 ms last 200 ms.
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), clock_rate(0, 0.5), role(0, kLeader, 1), append(0, 1, 1),
              deliver(1, 0, kAEReply, 1, 1, 1, 1000), Ev{K::lease_read, 0, 1, 1, 5, -1, 1, 0, 199'000}}));
  // No reply at all.
  CHECK(run({CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 1), append(0, 1, 1), lease_read(0, 1, 1, 5)}));
}

TEST_CASE("lease-vote: no vote for a higher term within min election timeout of hearing from the leader (thesis 4.2.3)") {
  Ev vote{K::vote, 2, 2, 1, 0, -1, 1, 0, 149'000};  // node 2 votes for node 1 in term 2
  const auto early = run({CLUSTER3(8), lease_bound(1.5), deliver(0, 2, kAE, 1, 0, 0, 0), vote});
  REQUIRE(early);
  CHECK(early->checker == "lease-vote");
  vote.at_us = 151'000;
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), deliver(0, 2, kAE, 1, 0, 0, 0), vote}));
  // Its clock runs twice as fast: its 150 ms pass in 75 ms.
  vote.at_us = 76'000;
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), clock_rate(2, 2.0), deliver(0, 2, kAE, 1, 0, 0, 0), vote}));
  // Leases off: no rule.
  vote.at_us = 10'000;
  CHECK(!run({CLUSTER3(0), deliver(0, 2, kAE, 1, 0, 0, 0), vote}));
  // A TimeoutNow's target (thesis 3.10) is voted for at once.
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 1), deliver(0, 2, kAE, 1, 0, 0, 0),
              send(0, 1, kTimeoutNow, 1), vote}));
  // Also when the leader stepped down in the step that sent it (its removal committed, thesis 4.2.2: the
  // stream shows the role change first), but not when a node that never led sent it.
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 1), deliver(0, 2, kAE, 1, 0, 0, 0),
              role(0, kFollower, 1), send(0, 1, kTimeoutNow, 1), vote}));
  const auto not_leader = run({CLUSTER3(8), lease_bound(1.5), role(0, kFollower, 1), deliver(0, 2, kAE, 1, 0, 0, 0),
                               send(0, 1, kTimeoutNow, 1), vote});
  REQUIRE(not_leader);
  CHECK(not_leader->checker == "lease-vote");
  // After a restart, no vote for a min election timeout.
  const auto restarted = run({CLUSTER3(8), lease_bound(1.5), Ev{K::restart, 2, 2, 0, 0, -1, 2, 0, 0},
                              Ev{K::vote, 2, 1, 1, 0, -1, 2, 0, 10'000}});
  REQUIRE(restarted);
  CHECK(restarted->checker == "lease-vote");
}

namespace {
Ev config(std::int32_t n, std::uint64_t voters, std::uint64_t index) { return Ev{K::membership, n, voters, 0, index}; }
// Five voters; node 0 leads term 1 with entry 1; `voters`: its configuration now (entry 2).
#define LEASE_LEADER5(voters)                                                                                   \
  timing(8), lease_bound(1.5), config(0, 31, 0), config(1, 31, 0), config(2, 31, 0), config(3, 31, 0),          \
      config(4, 31, 0), role(0, kLeader, 1), append(0, 1, 1), append(0, 2, 1), config(0, voters, 2)
}  // namespace

TEST_CASE("lease-read: the voters that replied meet every majority of the leader's configuration (thesis 6.4.1, 4.1)") {
  // Node 0 removed itself (voters 1..4, mask 30): replies from two of the four meet every majority of three
  // (the round that began the lease was confirmed by a majority of the five, node 0 included).
  CHECK(!run({LEASE_LEADER5(30), deliver(1, 0, kAEReply, 1, 1, 2), deliver(2, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
  const auto one = run({LEASE_LEADER5(30), deliver(1, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)});
  REQUIRE(one);
  CHECK(one->checker == "lease-read");
  CHECK(one->message.find("only 1 of the 4 voters of its configuration (itself not among them)") != std::string::npos);
  // Five voters: the leader and one reply are not enough; the leader and two are.
  CHECK(run({LEASE_LEADER5(31), deliver(1, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
  CHECK(!run({LEASE_LEADER5(31), deliver(1, 0, kAEReply, 1, 1, 2), deliver(4, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
  // Four voters with the leader (node 4 removed, mask 15), the change committed: the leader and one reply
  // meet every majority. Not committed yet, the five may still elect: the leader and one reply do not.
  CHECK(!run({LEASE_LEADER5(15), Ev{K::commit, 0, 2}, deliver(1, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
  CHECK(run({LEASE_LEADER5(15), deliver(1, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
  // A reply from the removed node 4 counts for nothing.
  CHECK(run({LEASE_LEADER5(15), deliver(4, 0, kAEReply, 1, 1, 2), lease_read(0, 2, 1, 5)}));
}

TEST_CASE("lease-read: until a change commits the voters that replied also meet every majority of the committed configuration") {
  // Voters 0..2 (mask 7), committed; node 0, leading term 1, adds node 3 (mask 15, entry 2, not committed)
  // and reads at commit index 1. Nodes 1 and 2 can still elect under {0, 1, 2}: a reply from node 3 alone
  // meets every majority of {0..3}, not of {0, 1, 2}.
#define LEASE_ADD                                                                                          \
  timing(8), lease_bound(1.5), config(0, 7, 0), config(1, 7, 0), config(2, 7, 0), config(3, 7, 0),         \
      role(0, kLeader, 1), append(0, 1, 1), Ev{K::commit, 0, 1}, append(0, 2, 1), config(0, 15, 2)
  const auto stale = run({LEASE_ADD, deliver(3, 0, kAEReply, 1, 1, 2), lease_read(0, 1, 1, 5)});
  REQUIRE(stale);
  CHECK(stale->checker == "lease-read");
  CHECK(stale->message.find("the committed configuration") != std::string::npos);
  CHECK(!run({LEASE_ADD, deliver(1, 0, kAEReply, 1, 1, 2), deliver(3, 0, kAEReply, 1, 1, 2), lease_read(0, 1, 1, 5)}));
#undef LEASE_ADD
}

TEST_CASE("lease-read: only the leader reads under its lease, at a commit of its own term (thesis 6.4.1, 6.4 step 1)") {
  const auto older = run({CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 2), append(0, 1, 1), append(0, 2, 2),
                          lease_read(0, 1, 2, 5)});
  REQUIRE(older);
  CHECK(older->checker == "lease-read");
  CHECK(!run({CLUSTER3(8), lease_bound(1.5), role(0, kLeader, 2), append(0, 1, 1), append(0, 2, 2),
              deliver(1, 0, kAEReply, 2, 1, 2), lease_read(0, 2, 2, 5)}));
  CHECK(run({LEASE_LEADER, lease_read(0, 0, 1, 5)}));                                          // nothing committed
  CHECK(run({CLUSTER3(8), lease_bound(1.5), role(1, kFollower, 1), append(1, 1, 1), lease_read(1, 1, 1, 5)}));  // not leader
}
