// Figure 2 "Persistent state ... updated on stable storage before responding to RPCs", thesis 10.2.1
// (leader writes in parallel), and restart from DurableState.
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;

TEST_CASE("Figure 2: a follower's AppendEntries success waits until the appended entries are durable") {
  Single s(make_config(1, 3));
  Output o = s.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), {entry(1, "a"), entry(1, "b")}, I(0)});
  CHECK(o.messages.empty());
  REQUIRE(o.persist.size() == 1);
  CHECK(o.persist[0].token == 1);
  CHECK(o.persist[0].first_index == I(1));
  CHECK(o.persist[0].entries.size() == 2);
  CHECK_FALSE(o.persist[0].truncate_from.has_value());
  // A heartbeat acknowledging those (not yet durable) entries must wait behind the same write.
  Output hb = s.step(N(2), AppendEntries{T(1), N(2), I(2), T(1), {}, I(0)});
  CHECK(hb.messages.empty());
  CHECK(hb.persist.empty());

  Output released;
  s.raft.on_persisted(1, released);
  const auto replies = messages_of<AppendEntriesReply>(released);
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].success);
  CHECK(replies[0].match_index == I(2));
  CHECK(replies[1].match_index == I(2));
  // With nothing outstanding, a heartbeat is answered at once.
  Output later = s.step(N(2), AppendEntries{T(1), N(2), I(2), T(1), {}, I(0)});
  CHECK(messages_of<AppendEntriesReply>(later).size() == 1);
}

TEST_CASE("Figure 2: held messages are released per token, in order") {
  Single s(make_config(1, 3));
  Output a = s.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), {entry(1, "a")}, I(0)});
  Output b = s.step(N(2), AppendEntries{T(1), N(2), I(1), T(1), {entry(1, "b")}, I(0)});
  REQUIRE(a.persist.size() == 1);
  REQUIRE(b.persist.size() == 1);
  CHECK(b.persist[0].token == a.persist[0].token + 1);
  Output first;
  s.raft.on_persisted(a.persist[0].token, first);
  auto replies = messages_of<AppendEntriesReply>(first);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].match_index == I(1));
  Output second;
  s.raft.on_persisted(b.persist[0].token, second);
  replies = messages_of<AppendEntriesReply>(second);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].match_index == I(2));
}

TEST_CASE("10.2.1: the leader replicates before its own write but counts itself only once durable") {
  Cluster c(3);
  c.elect(N(1));
  c.crash(N(3));
  c.node(N(1)).auto_persist = false;
  c.client(N(1), put("a", "1"));
  // The AppendEntries left at once, before the leader's write completed.
  REQUIRE(c.node(N(1)).unpersisted.size() == 1);
  REQUIRE_FALSE(c.network().empty());
  c.deliver_all();
  CHECK(c.raft(N(2)).last_log_index() == I(2));
  // Node 2 alone is not a majority of 3: the leader's own copy is not durable yet.
  CHECK(c.raft(N(1)).commit_index() == I(1));
  c.complete_persists(N(1));
  CHECK(c.raft(N(1)).commit_index() == I(2));
  REQUIRE(c.node(N(1)).replies.size() == 1);
  CHECK(c.node(N(1)).replies[0].status == ReplyStatus::ok);
}

TEST_CASE("10.2.1: followers' acknowledgements commit even while the leader's own write is pending") {
  Cluster c(3);
  c.elect(N(1));
  c.node(N(1)).auto_persist = false;
  c.client(N(1), put("a", "1"));
  c.deliver_all();
  CHECK(c.raft(N(1)).commit_index() == I(2));  // 2 and 3 are a majority
}

TEST_CASE("Figure 2: every input that changes hard state or the log emits exactly one PersistRequest") {
  Single s(make_config(1, 3));
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  CHECK(o.persist.size() == 1);
  s.persist_all(o);
  // Higher term + truncation-free append in one step: still one request.
  Output ae = s.step(N(2), AppendEntries{T(5), N(2), I(0), T(0), {entry(2), entry(5, "x")}, I(0)});
  REQUIRE(ae.persist.size() == 1);
  CHECK(ae.persist[0].token == 2);
  REQUIRE(ae.persist[0].hard_state.has_value());
  CHECK(ae.persist[0].hard_state->term == T(5));
  CHECK_FALSE(ae.persist[0].hard_state->voted_for.has_value());
  CHECK(ae.persist[0].entries.size() == 2);
  // A no-change heartbeat writes nothing.
  s.persist_all(ae);
  Output hb = s.step(N(2), AppendEntries{T(5), N(2), I(2), T(5), {}, I(0)});
  CHECK(hb.persist.empty());
}

TEST_CASE("restart: DurableState keeps term, vote and log, commit is learned again and re-applied") {
  Cluster c(3);
  c.elect(N(1));
  c.client(N(1), put("a", "1", 1, 1));
  c.client(N(1), put("b", "2", 1, 2));
  c.deliver_all();
  c.heartbeat(N(1));
  const auto log_before = c.raft(N(2)).log();
  const Term term_before = c.raft(N(2)).term();
  const auto vote_before = c.raft(N(2)).voted_for();
  REQUIRE(log_before.size() == 3);
  REQUIRE(c.raft(N(2)).commit_index() == I(3));

  c.crash(N(2));
  c.node(N(2)).observations.clear();
  c.boot(N(2));
  CHECK(c.raft(N(2)).log() == log_before);
  CHECK(c.raft(N(2)).term() == term_before);
  CHECK(c.raft(N(2)).voted_for() == vote_before);
  CHECK(c.raft(N(2)).commit_index() == I(0));
  CHECK(c.raft(N(2)).last_applied() == I(0));
  // start() reports the incarnation's role and term, then every restored entry.
  const auto& obs = c.node(N(2)).observations;
  REQUIRE(obs.size() == 4);
  CHECK(obs[0].kind == Observation::Kind::role_changed);
  CHECK(obs[0].a == static_cast<std::uint64_t>(Role::follower));
  CHECK(obs[0].b == term_before.value);
  for (std::size_t i = 1; i <= 3; ++i) {
    CHECK(obs[i].kind == Observation::Kind::log_appended);
    CHECK(obs[i].a == i);
    CHECK(obs[i].c == raft::entry_digest(log_before[i - 1]));
  }
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).commit_index() == I(3));
  CHECK(c.raft(N(2)).last_applied() == I(3));
  CHECK(of_kind(c.node(N(2)).observations, Observation::Kind::applied).size() == 3);
}

TEST_CASE("restart: a node that crashed before its vote was durable may vote again, after, it may not") {
  Cluster c(3);
  c.node(N(3)).auto_persist = false;
  c.fire(N(1), TimerKind::election);
  c.deliver_all();
  // Node 3's grant is held: node 1 won with node 2's vote, node 3 has not answered.
  CHECK(c.node(N(3)).disk.hard_state.term == T(0));
  c.crash(N(3));
  c.boot(N(3));
  CHECK(c.raft(N(3)).term() == T(0));
  CHECK_FALSE(c.raft(N(3)).voted_for().has_value());
  // A durable vote survives the crash.
  c.crash(N(2));
  c.boot(N(2));
  CHECK(c.raft(N(2)).term() == T(1));
  CHECK(c.raft(N(2)).voted_for() == N(1));
  Output o;
  c.raft(N(2)).step(Envelope{N(3), N(2), RequestVote{T(1), N(3), I(9), T(1)}}, o);
  CHECK(o.persist.empty());
  const auto replies = messages_of<RequestVoteReply>(o);
  REQUIRE(replies.size() == 1);
  CHECK_FALSE(replies[0].vote_granted);
}

TEST_CASE("Figure 2: while storage is backed up past the documented bound, new work is shed, not queued") {
  Single s(make_config(1, 3));
  std::vector<std::uint64_t> tokens;
  // Storage never completes. Each AppendEntries appends one entry and needs one write.
  for (std::uint64_t i = 0; i < 1100; ++i) {
    Output o = s.step(N(2), AppendEntries{T(1), N(2), I(i), T(i == 0 ? 0 : 1), {entry(1, std::to_string(i))}, I(0)});
    CHECK(o.messages.empty());
    for (const PersistRequest& p : o.persist) tokens.push_back(p.token);
  }
  // The bound (1024 outstanding writes) held: later requests were dropped as if lost.
  CHECK(tokens.size() == 1024);
  CHECK(s.raft.last_log_index() == I(1024));
  // An election timeout cannot persist a new term either; it re-arms the timer.
  Output t;
  s.raft.on_timer(TimerKind::election, t);
  CHECK(s.raft.role() == Role::follower);
  REQUIRE(t.timers.size() == 1);
  CHECK(t.timers[0].kind == TimerKind::election);
  // Completing the writes releases every held reply, in order.
  Output released;
  for (std::uint64_t token : tokens) s.raft.on_persisted(token, released);
  const auto replies = messages_of<AppendEntriesReply>(released);
  REQUIRE(replies.size() == 1024);
  CHECK(replies.front().match_index == I(1));
  CHECK(replies.back().match_index == I(1024));
}

// Raft::on_persist_failed: fail-stop (etcd's raft panics on a failed WAL write). A vote whose write failed
// was never durable, so it is never acknowledged, and the node answers nothing ever after.
TEST_CASE("Figure 2: a failed persist stops the node and its vote is never granted on the wire") {
  Single s(make_config(1, 3));
  Output o = s.step(N(2), RequestVote{T(1), N(2), I(0), T(0)});
  REQUIRE(o.persist.size() == 1);
  CHECK(messages_of<RequestVoteReply>(o).empty());  // held until durable
  Output failed;
  s.raft.on_persist_failed(o.persist[0].token, failed);
  CHECK(s.raft.stopped());
  CHECK(failed.messages.empty());  // the held grant is never sent
  CHECK(failed.persist.empty());
  const auto stopped = of_kind(failed.observations, Observation::Kind::stopped);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].a == 1);
  CHECK(stopped[0].b == o.persist[0].token);
  // Every later input is ignored: no messages, writes, timers or observations.
  Output after;
  s.raft.on_persisted(o.persist[0].token, after);
  s.raft.on_timer(TimerKind::election, after);
  s.raft.step(Envelope{N(3), N(1), RequestVote{T(2), N(3), I(0), T(0)}}, after);
  s.raft.on_persist_failed(o.persist[0].token, after);
  CHECK(after.messages.empty());
  CHECK(after.persist.empty());
  CHECK(after.timers.empty());
  CHECK(after.observations.empty());
}

TEST_CASE("Figure 2: a node whose persists all succeed never stops") {
  Single s(make_config(1, 3));
  Output o = s.step(N(2), RequestVote{T(1), N(2), I(0), T(0)});
  REQUIRE(o.persist.size() == 1);
  Output released;
  s.raft.on_persisted(o.persist[0].token, released);
  CHECK_FALSE(s.raft.stopped());
  CHECK(of_kind(released.observations, Observation::Kind::stopped).empty());
  REQUIRE(messages_of<RequestVoteReply>(released).size() == 1);
}
