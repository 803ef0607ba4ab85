// Paper 5.1 (terms), 5.2 (leader election), 5.4.1 (election restriction).
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;

namespace {

DurableState durable(std::uint64_t term, std::vector<Entry> log = {}, std::optional<NodeId> voted_for = {}) {
  DurableState d;
  d.hard_state.term = T(term);
  d.hard_state.voted_for = voted_for;
  d.log = std::move(log);
  return d;
}

}  // namespace

TEST_CASE("5.2: start arms the election timer with the configured randomization range") {
  Config config = make_config(1, 3);
  config.election_timeout_us_min = 1000;
  config.election_timeout_us_max = 2000;
  Single s(config);
  REQUIRE(s.out.timers.size() == 1);
  CHECK(s.out.timers[0].kind == TimerKind::election);
  CHECK(s.out.timers[0].delay_us_min == 1000);
  CHECK(s.out.timers[0].delay_us_max == 2000);
  CHECK(s.out.messages.empty());
  CHECK(s.raft.role() == Role::follower);
}

TEST_CASE("5.2: a follower that hears nothing becomes candidate and requests votes") {
  Single s(make_config(1, 3));
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  CHECK(s.raft.role() == Role::candidate);
  CHECK(s.raft.term() == T(1));
  CHECK(s.raft.voted_for() == N(1));
  // Term and self-vote are written in one request, and the vote requests wait for it.
  REQUIRE(o.persist.size() == 1);
  CHECK(o.persist[0].token == 1);
  REQUIRE(o.persist[0].hard_state.has_value());
  CHECK(o.persist[0].hard_state->term == T(1));
  CHECK(o.persist[0].hard_state->voted_for == N(1));
  CHECK(o.messages.empty());
  REQUIRE(o.timers.size() == 1);
  CHECK(o.timers[0].kind == TimerKind::election);
  const auto roles = of_kind(o.observations, Observation::Kind::role_changed);
  REQUIRE(roles.size() == 1);
  CHECK(roles[0].a == static_cast<std::uint64_t>(Role::candidate));
  CHECK(roles[0].b == 1);

  const Output released = s.persist_all(o);
  REQUIRE(released.messages.size() == 2);
  CHECK(released.messages[0].to == N(2));
  CHECK(released.messages[1].to == N(3));
  const auto votes = messages_of<RequestVote>(released);
  REQUIRE(votes.size() == 2);
  CHECK(votes[0].term == T(1));
  CHECK(votes[0].candidate == N(1));
  CHECK(s.raft.role() == Role::candidate);  // 1 durable vote of 3 is not a majority
}

TEST_CASE("5.2: a single-node cluster becomes leader once its vote is durable") {
  Single s(make_config(1, 1));
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  CHECK(s.raft.role() == Role::candidate);  // not before the vote is on disk
  REQUIRE(o.persist.size() == 1);
  Output after;
  s.raft.on_persisted(o.persist[0].token, after);
  CHECK(s.raft.role() == Role::leader);
  CHECK(s.raft.leader_hint() == N(1));
  // 8: the no-op of the new term is appended and written; it commits once durable.
  REQUIRE(after.persist.size() == 1);
  CHECK(after.persist[0].token == 2);
  REQUIRE(after.persist[0].entries.size() == 1);
  CHECK(after.persist[0].entries[0].command().op == OpKind::noop);
  CHECK(s.raft.commit_index() == I(0));
  Output committed;
  s.raft.on_persisted(2, committed);
  CHECK(s.raft.commit_index() == I(1));
  CHECK(s.raft.last_applied() == I(1));
}

TEST_CASE("5.2: elections in 3- and 5-node clusters produce exactly one leader that everyone follows") {
  for (std::uint32_t size : {3u, 5u}) {
    Cluster c(size);
    c.elect(N(2));
    REQUIRE(c.leaders() == std::vector<NodeId>{N(2)});
    c.heartbeat(N(2));
    for (std::uint32_t id = 1; id <= size; ++id) {
      CHECK(c.raft(N(id)).term() == T(1));
      CHECK(c.raft(N(id)).leader_hint() == N(2));
      CHECK(c.raft(N(id)).commit_index() == I(1));  // the leader's no-op
      CHECK(c.raft(N(id)).role() == (id == 2 ? Role::leader : Role::follower));
    }
    c.check_all_invariants();
  }
}

TEST_CASE("5.2: a split vote elects nobody, the next timeout elects a leader in a higher term") {
  Cluster c(3);
  c.crash(N(3));
  // 1 and 2 become candidates of term 1 before either request is delivered: each has voted for itself
  // and refuses the other, and node 3 is down.
  c.fire(N(1), TimerKind::election);
  c.fire(N(2), TimerKind::election);
  c.deliver_all();
  CHECK(c.leaders().empty());
  CHECK(c.raft(N(1)).role() == Role::candidate);
  CHECK(c.raft(N(2)).role() == Role::candidate);
  c.elect(N(1));
  CHECK(c.leaders() == std::vector<NodeId>{N(1)});
  CHECK(c.raft(N(1)).term() == T(2));
  CHECK(c.raft(N(2)).voted_for() == N(1));
  c.check_all_invariants();
}

TEST_CASE("5.2: a node grants at most one vote per term, first come first served") {
  Single s(make_config(1, 3));
  Output first = s.step(N(2), RequestVote{T(1), N(2), I(0), T(0)});
  CHECK(s.raft.voted_for() == N(2));
  const auto granted = of_kind(first.observations, Observation::Kind::vote_granted);
  REQUIRE(granted.size() == 1);
  CHECK(granted[0].a == 1);
  CHECK(granted[0].b == 2);
  Output released = s.persist_all(first);
  auto replies = messages_of<RequestVoteReply>(released);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].vote_granted);

  Output second = s.step(N(3), RequestVote{T(1), N(3), I(0), T(0)});
  CHECK(second.persist.empty());  // nothing changed
  replies = messages_of<RequestVoteReply>(second);
  REQUIRE(replies.size() == 1);
  CHECK_FALSE(replies[0].vote_granted);
  CHECK(replies[0].term == T(1));
  CHECK(of_kind(second.observations, Observation::Kind::vote_granted).empty());
  CHECK(s.raft.voted_for() == N(2));

  // A retransmitted request from the same candidate is granted again (idempotent).
  Output again = s.step(N(2), RequestVote{T(1), N(2), I(0), T(0)});
  replies = messages_of<RequestVoteReply>(again);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].vote_granted);
}

TEST_CASE("5.2: a vote is held inside the node until it is persisted") {
  Single s(make_config(1, 3));
  Output o = s.step(N(2), RequestVote{T(4), N(2), I(0), T(0)});
  CHECK(o.messages.empty());
  REQUIRE(o.persist.size() == 1);
  REQUIRE(o.persist[0].hard_state.has_value());
  CHECK(o.persist[0].hard_state->term == T(4));
  CHECK(o.persist[0].hard_state->voted_for == N(2));
  // Granting a vote resets the election timer.
  REQUIRE(o.timers.size() == 1);
  CHECK(o.timers[0].kind == TimerKind::election);
  // A second input before the write completes is held behind it too (it may depend on the same vote).
  Output dup = s.step(N(2), RequestVote{T(4), N(2), I(0), T(0)});
  CHECK(dup.messages.empty());
  CHECK(dup.persist.empty());

  Output released;
  s.raft.on_persisted(o.persist[0].token, released);
  const auto replies = messages_of<RequestVoteReply>(released);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].vote_granted);
  CHECK(replies[0].term == T(4));
  CHECK(released.messages[0].to == N(2));
}

TEST_CASE("5.4.1: a candidate whose log is less up-to-date is denied the vote") {
  const std::vector<Entry> log = {entry(1), entry(2)};
  SECTION("earlier last term, longer log") {
    Single s(make_config(1, 3), durable(2, log));
    Output o = s.step(N(2), RequestVote{T(3), N(2), I(5), T(1)});
    CHECK(s.raft.term() == T(3));  // the term rule still applies (5.1)
    CHECK_FALSE(s.raft.voted_for().has_value());
    const auto replies = messages_of<RequestVoteReply>(s.persist_all(o));
    REQUIRE(replies.size() == 1);
    CHECK_FALSE(replies[0].vote_granted);
    CHECK(replies[0].term == T(3));
  }
  SECTION("same last term, shorter log") {
    Single s(make_config(1, 3), durable(2, log));
    Output o = s.step(N(2), RequestVote{T(3), N(2), I(1), T(2)});
    const auto replies = messages_of<RequestVoteReply>(s.persist_all(o));
    REQUIRE(replies.size() == 1);
    CHECK_FALSE(replies[0].vote_granted);
  }
  SECTION("same last term, same length: granted") {
    Single s(make_config(1, 3), durable(2, log));
    Output o = s.step(N(2), RequestVote{T(3), N(2), I(2), T(2)});
    const auto replies = messages_of<RequestVoteReply>(s.persist_all(o));
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].vote_granted);
  }
}

TEST_CASE("5.4.1: in a cluster, a node with a stale log cannot become leader") {
  // Node 1 missed entry 2 (term 1); nodes 2 and 3 have it.
  const std::vector<DurableState> disks = {durable(1, {entry(1)}), durable(1, {entry(1), entry(1, "x")}),
                                           durable(1, {entry(1), entry(1, "x")})};
  Cluster c(3, {}, disks);
  c.elect(N(1));
  CHECK(c.leaders().empty());
  CHECK(c.raft(N(1)).role() == Role::candidate);
  c.elect(N(3));
  CHECK(c.leaders() == std::vector<NodeId>{N(3)});
}

TEST_CASE("5.1: requests with a stale term are rejected with the current term and change nothing") {
  Single s(make_config(1, 3), durable(5, {entry(1)}));
  Output o = s.step(N(2), AppendEntries{T(3), N(2), I(1), T(1), {entry(3)}, I(1)});
  CHECK(o.persist.empty());
  CHECK(s.raft.last_log_index() == I(1));
  CHECK(s.raft.commit_index() == I(0));
  CHECK_FALSE(s.raft.leader_hint().has_value());
  const auto ae = messages_of<AppendEntriesReply>(o);
  REQUIRE(ae.size() == 1);
  CHECK_FALSE(ae[0].success);
  CHECK(ae[0].term == T(5));

  o = s.step(N(3), RequestVote{T(4), N(3), I(9), T(4)});
  const auto rv = messages_of<RequestVoteReply>(o);
  REQUIRE(rv.size() == 1);
  CHECK_FALSE(rv[0].vote_granted);
  CHECK(rv[0].term == T(5));
  CHECK_FALSE(s.raft.voted_for().has_value());
}

TEST_CASE("5.1: a higher term makes a leader step down, clear its vote and persist the new term") {
  Cluster c(3);
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  c.deliver(Envelope{N(2), N(1), AppendEntriesReply{T(7), false, I(0), I(0), T(0)}});
  CHECK(c.raft(N(1)).role() == Role::follower);
  CHECK(c.raft(N(1)).term() == T(7));
  CHECK_FALSE(c.raft(N(1)).voted_for().has_value());
  CHECK(c.node(N(1)).disk.hard_state.term == T(7));
  CHECK_FALSE(c.node(N(1)).disk.hard_state.voted_for.has_value());
  const auto roles = of_kind(c.node(N(1)).observations, Observation::Kind::role_changed);
  REQUIRE_FALSE(roles.empty());
  CHECK(roles.back().a == static_cast<std::uint64_t>(Role::follower));
  CHECK(roles.back().b == 7);
  // An ex-leader has no election timer running: stepping down must arm one.
  CHECK(c.node(N(1)).timers.back().kind == TimerKind::election);
}

TEST_CASE("5.2: votes from an earlier term never count") {
  Single s(make_config(1, 3));
  Output o;
  s.raft.on_timer(TimerKind::election, o);  // term 1
  s.persist_all(o);
  Output o2;
  s.raft.on_timer(TimerKind::election, o2);  // split vote: term 2
  s.persist_all(o2);
  REQUIRE(s.raft.term() == T(2));
  s.step(N(2), RequestVoteReply{T(1), true});
  s.step(N(3), RequestVoteReply{T(1), true});
  CHECK(s.raft.role() == Role::candidate);
  s.step(N(2), RequestVoteReply{T(2), true});
  CHECK(s.raft.role() == Role::leader);
}

TEST_CASE("5.2: a candidate does not count its own vote before it is durable") {
  Single s(make_config(1, 3));
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  // A (hypothetical) early grant from a peer: with the self-vote not yet durable, 1 of 3 is no majority.
  s.step(N(2), RequestVoteReply{T(1), true});
  CHECK(s.raft.role() == Role::candidate);
  Output after;
  s.raft.on_persisted(o.persist[0].token, after);
  CHECK(s.raft.role() == Role::leader);
}

TEST_CASE("5.2: a candidate steps down when it hears from the leader of its term") {
  Single s(make_config(1, 3));
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  s.persist_all(o);
  Output ae = s.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), {}, I(0)});
  CHECK(s.raft.role() == Role::follower);
  CHECK(s.raft.term() == T(1));
  CHECK(s.raft.leader_hint() == N(2));
  CHECK(s.raft.voted_for() == N(1));  // the vote of this term stays
  const auto replies = messages_of<AppendEntriesReply>(ae);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].success);
}

TEST_CASE("5.2: followers reset the election timer on AppendEntries from the current leader") {
  Single s(make_config(1, 3));
  Output o = s.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), {}, I(0)});
  REQUIRE(o.timers.size() == 1);
  CHECK(o.timers[0].kind == TimerKind::election);
  // A stale-term AppendEntries is not from the current leader: no reset.
  Output stale;
  Single s2(make_config(1, 3), durable(3));
  stale = s2.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), {}, I(0)});
  CHECK(stale.timers.empty());
}
