// Paper 5.3 (log replication), 5.4.2 / Figure 8 (committing entries from previous terms), 8 (no-op).
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;

namespace {

DurableState durable(std::uint64_t term, std::vector<Entry> log, std::optional<NodeId> voted_for = {}) {
  DurableState d;
  d.hard_state.term = T(term);
  d.hard_state.voted_for = voted_for;
  d.log = std::move(log);
  return d;
}

std::vector<Term> terms_of(const std::vector<Entry>& log) {
  std::vector<Term> result;
  for (const Entry& e : log) result.push_back(e.term());
  return result;
}

AppendEntriesReply single_reply(const Output& o) {
  const auto replies = messages_of<AppendEntriesReply>(o);
  REQUIRE(replies.size() == 1);
  return replies[0];
}

}  // namespace

TEST_CASE("5.3: the consistency check rejects a mismatched prev entry with fast-backup hints") {
  Single s(make_config(1, 3), durable(2, {entry(1), entry(1), entry(2)}));
  SECTION("term mismatch at prev: conflict term and the first index of that term") {
    Output o = s.step(N(2), AppendEntries{T(3), N(2), I(3), T(3), {entry(3)}, I(0)});
    const AppendEntriesReply r = single_reply(s.persist_all(o));  // the new term is persisted first
    CHECK_FALSE(r.success);
    CHECK(r.term == T(3));
    CHECK(r.conflict_term == T(2));
    CHECK(r.conflict_index == I(3));
    CHECK(s.raft.last_log_index() == I(3));  // a rejected request changes no entry
  }
  SECTION("log too short: conflict index is one past the end") {
    Output o = s.step(N(2), AppendEntries{T(2), N(2), I(5), T(2), {entry(2)}, I(0)});
    const AppendEntriesReply r = single_reply(o);
    CHECK_FALSE(r.success);
    CHECK(r.conflict_term == T(0));
    CHECK(r.conflict_index == I(4));
    CHECK(s.raft.last_log_index() == I(3));
  }
}

TEST_CASE("5.3: conflicting entries are truncated at the first conflict, matching ones are kept") {
  Single s(make_config(1, 3), durable(1, {entry(1, "a"), entry(1, "b"), entry(1, "c"), entry(1, "d")}));
  // The leader of term 2 has [1a, 1b, 2x]: entry 2 matches, entry 3 conflicts.
  Output o = s.step(N(2), AppendEntries{T(2), N(2), I(1), T(1), {entry(1, "b"), entry(2, "x")}, I(0)});
  CHECK(terms_of(s.raft.log()) == std::vector<Term>{T(1), T(1), T(2)});
  const auto truncated = of_kind(o.observations, Observation::Kind::log_truncated);
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0].a == 3);
  const auto appended = of_kind(o.observations, Observation::Kind::log_appended);
  REQUIRE(appended.size() == 1);
  CHECK(appended[0].a == 3);
  CHECK(appended[0].b == 2);
  CHECK(appended[0].c == raft::entry_digest(entry(2, "x")));
  // One write: new term, truncation and the new entry.
  REQUIRE(o.persist.size() == 1);
  CHECK(o.persist[0].hard_state.has_value());
  CHECK(o.persist[0].truncate_from == I(3));
  CHECK(o.persist[0].first_index == I(3));
  REQUIRE(o.persist[0].entries.size() == 1);
  CHECK(single_reply(s.persist_all(o)).match_index == I(3));

  // A duplicated, older request (covering only entry 2) must not truncate entry 3.
  Output dup = s.step(N(2), AppendEntries{T(2), N(2), I(1), T(1), {entry(1, "b")}, I(0)});
  CHECK(terms_of(s.raft.log()) == std::vector<Term>{T(1), T(1), T(2)});
  CHECK(of_kind(dup.observations, Observation::Kind::log_truncated).empty());
  CHECK(dup.persist.empty());
  const AppendEntriesReply r = single_reply(dup);
  CHECK(r.success);
  CHECK(r.match_index == I(2));  // only what this request verified
}

TEST_CASE("5.3: a reordered earlier AppendEntries never truncates entries appended by a later one") {
  Single s(make_config(1, 3));
  const AppendEntries first{T(1), N(2), I(0), T(0), {entry(1, "a"), entry(1, "b")}, I(0)};
  const AppendEntries second{T(1), N(2), I(2), T(1), {entry(1, "c"), entry(1, "d")}, I(0)};
  s.persist_all(s.step(N(2), first));
  s.persist_all(s.step(N(2), second));
  REQUIRE(s.raft.last_log_index() == I(4));
  Output o = s.step(N(2), first);
  CHECK(s.raft.last_log_index() == I(4));
  CHECK(o.persist.empty());
  CHECK(of_kind(o.observations, Observation::Kind::log_truncated).empty());
}

TEST_CASE("5.3: follower commit is bounded by the index of the last new entry (Figure 2)") {
  // The follower holds 3 entries of an old term that the leader has not vouched for.
  Single s(make_config(1, 3), durable(1, {entry(1, "a"), entry(1, "b"), entry(1, "c")}));
  Output o = s.step(N(2), AppendEntries{T(2), N(2), I(0), T(0), {entry(1, "a")}, I(10)});
  CHECK(s.raft.commit_index() == I(1));
  CHECK(s.raft.last_applied() == I(1));
  const auto committed = of_kind(o.observations, Observation::Kind::committed);
  REQUIRE(committed.size() == 1);
  CHECK(committed[0].a == 1);
  const auto applied = of_kind(o.observations, Observation::Kind::applied);
  REQUIRE(applied.size() == 1);
  CHECK(applied[0].a == 1);
  CHECK(applied[0].c == raft::entry_digest(entry(1, "a")));
  // A heartbeat with leader_commit 2 verifies only up to its prev entry.
  s.step(N(2), AppendEntries{T(2), N(2), I(2), T(1), {}, I(2)});
  CHECK(s.raft.commit_index() == I(2));
  // Commit never moves backwards on an older leader_commit.
  s.step(N(2), AppendEntries{T(2), N(2), I(0), T(0), {}, I(0)});
  CHECK(s.raft.commit_index() == I(2));
}

TEST_CASE("5.3: fast log backup over many conflicting entries converges in a few round trips") {
  std::vector<Entry> leader_log = {entry(1), entry(1, "b"), entry(3, "c"), entry(3, "d"), entry(3, "e")};
  std::vector<Entry> stale_log = {entry(1), entry(1, "b")};
  for (int i = 0; i < 40; ++i) stale_log.push_back(entry(2, "s" + std::to_string(i)));
  Cluster c(3, [](Config& config) { config.max_entries_per_append = 2; },
            {durable(3, leader_log), durable(3, stale_log), durable(3, leader_log)});
  int rejections_from_2 = 0;
  c.drop = [&](const Envelope& e) {
    if (const auto* r = std::get_if<AppendEntriesReply>(&e.message); r && e.from == N(2) && !r->success) {
      ++rejections_from_2;
    }
    return false;
  };
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  CHECK(c.raft(N(3)).log() == c.raft(N(1)).log());
  // Entry by entry this would take ~40 rejections; skipping whole terms needs at most 2.
  CHECK(rejections_from_2 >= 1);
  CHECK(rejections_from_2 <= 2);
  CHECK(c.raft(N(2)).commit_index() == I(6));
  c.check_all_invariants();
}

TEST_CASE("5.4.2: Figure 8 -- a leader never commits an entry of a previous term by counting replicas") {
  // Node 1 holds entry 2 of term 2, which reached nobody else.
  Cluster c(3, [](Config& config) { config.max_entries_per_append = 1; },
            {durable(2, {entry(1), entry(2, "x")}), durable(2, {entry(1)}), durable(2, {entry(1)})});
  // Deliver no AppendEntries that would append the new term's entries, so followers get entry 2 (after
  // rejecting the leader's first probe) but not the no-op.
  c.drop = [&c](const Envelope& e) {
    const auto* ae = std::get_if<AppendEntries>(&e.message);
    if (ae == nullptr) return false;
    const bool would_match = c.raft(e.to).log_term(ae->prev_log_index) == ae->prev_log_term;
    for (const Entry& en : ae->entries) {
      if (en.term() == T(3) && would_match) return true;
    }
    return false;
  };
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  REQUIRE(c.raft(N(1)).term() == T(3));
  c.heartbeat(N(1));
  // Entry 2 (term 2) is now on all three nodes, yet it must not be committed.
  REQUIRE(c.raft(N(2)).log_term(I(2)) == T(2));
  REQUIRE(c.raft(N(3)).log_term(I(2)) == T(2));
  CHECK(c.raft(N(1)).commit_index() == I(0));
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::committed).empty());

  // Once the no-op of term 3 is replicated, it commits, and entry 2 with it.
  c.drop = {};
  c.heartbeat(N(1));
  CHECK(c.raft(N(1)).commit_index() == I(3));
  const auto committed = of_kind(c.node(N(1)).observations, Observation::Kind::committed);
  REQUIRE(committed.size() == 1);
  CHECK(committed[0].a == 3);
  const auto applied = of_kind(c.node(N(1)).observations, Observation::Kind::applied);
  REQUIRE(applied.size() == 3);
  CHECK(applied[1].a == 2);
  CHECK(applied[1].b == 2);
  CHECK(applied[2].a == 3);
  CHECK(applied[2].b == 3);
}

TEST_CASE("8: a new leader appends a no-op entry of its term at once") {
  Cluster c(3, {}, {durable(1, {entry(1)}), durable(1, {entry(1)}), durable(1, {entry(1)})});
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  const auto& log = c.raft(N(1)).log();
  REQUIRE(log.size() == 2);
  CHECK(log[1].term() == T(2));
  CHECK(log[1].command().op == OpKind::noop);
  // role_changed(leader) comes before the no-op's log_appended.
  const auto& obs = c.node(N(1)).observations;
  auto leader_at = std::find_if(obs.begin(), obs.end(), [](const Observation& o) {
    return o.kind == Observation::Kind::role_changed && o.a == static_cast<std::uint64_t>(Role::leader);
  });
  REQUIRE(leader_at != obs.end());
  auto noop_at = std::find_if(obs.begin(), obs.end(), [](const Observation& o) {
    return o.kind == Observation::Kind::log_appended && o.a == 2;
  });
  REQUIRE(noop_at != obs.end());
  CHECK(leader_at < noop_at);
  // The heartbeat timer is armed with the configured interval.
  const auto& timers = c.node(N(1)).timers;
  CHECK(std::any_of(timers.begin(), timers.end(), [](const raft::TimerRequest& t) {
    return t.kind == TimerKind::heartbeat && t.delay_us_min == 50'000 && t.delay_us_max == 50'000;
  }));
  // Entry 1 (term 1) commits through the no-op.
  CHECK(c.raft(N(1)).commit_index() == I(2));
}

TEST_CASE("5.3: client requests at the leader are replicated, committed, applied and answered") {
  Cluster c(3);
  c.elect(N(1));
  c.client(N(1), put("a", "1", 7, 1));
  c.deliver_all();
  Command get;
  get.op = OpKind::get;
  get.key = "a";
  get.client_id = 7;
  get.request_id = 2;
  c.client(N(1), get);
  c.deliver_all();
  const auto& replies = c.node(N(1)).replies;
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].status == ReplyStatus::ok);
  CHECK(replies[0].request_id == 1);
  CHECK(replies[0].value == "1");
  CHECK(replies[1].status == ReplyStatus::ok);
  CHECK(replies[1].request_id == 2);
  CHECK(replies[1].value == "1");
  c.heartbeat(N(1));
  for (std::uint32_t id = 1; id <= 3; ++id) {
    CHECK(c.raft(N(id)).last_applied() == I(3));
    CHECK(c.node(N(id)).replies.size() == (id == 1 ? 2u : 0u));  // only the proposing leader answers
  }
}

TEST_CASE("5.3: a client request at a follower gets not_leader with the leader as hint") {
  Cluster c(3);
  c.client(N(2), put("a", "1"));
  REQUIRE(c.node(N(2)).replies.size() == 1);
  CHECK(c.node(N(2)).replies[0].status == ReplyStatus::not_leader);
  CHECK_FALSE(c.node(N(2)).replies[0].leader_hint.has_value());  // no leader known yet
  c.elect(N(3));
  c.client(N(2), put("a", "1", 1, 2));
  REQUIRE(c.node(N(2)).replies.size() == 2);
  CHECK(c.node(N(2)).replies[1].status == ReplyStatus::not_leader);
  CHECK(c.node(N(2)).replies[1].leader_hint == N(3));
  CHECK(c.raft(N(2)).last_log_index() == I(1));  // only the no-op
}

TEST_CASE("5.3: a leader whose pending queue is full rejects with not_leader and no hint") {
  Cluster c(3, [](Config& config) { config.max_pending_client_requests = 2; });
  c.elect(N(1));
  c.drop = [](const Envelope&) { return true; };  // nothing commits
  c.client(N(1), put("a", "1", 1, 1));
  c.client(N(1), put("a", "2", 1, 2));
  c.client(N(1), put("a", "3", 1, 3));
  const auto& replies = c.node(N(1)).replies;
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].request_id == 3);
  CHECK(replies[0].status == ReplyStatus::not_leader);
  CHECK_FALSE(replies[0].leader_hint.has_value());
  CHECK(c.raft(N(1)).last_log_index() == I(3));  // no-op + 2 accepted
}

TEST_CASE("5.3: pending client requests get unknown when the leader steps down") {
  Cluster c(3);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.from == N(1); };
  c.client(N(1), put("a", "1", 5, 1));
  c.client(N(1), put("b", "2", 5, 2));
  CHECK(c.node(N(1)).replies.empty());
  c.deliver(Envelope{N(2), N(1), RequestVote{T(9), N(2), I(9), T(1)}});
  CHECK(c.raft(N(1)).role() == Role::follower);
  const auto& replies = c.node(N(1)).replies;
  REQUIRE(replies.size() == 2);
  for (const ClientReply& r : replies) {
    CHECK(r.status == ReplyStatus::unknown);
    CHECK(r.client_id == 5);
  }
  CHECK(replies[0].request_id == 1);
  CHECK(replies[1].request_id == 2);
}

TEST_CASE("5.3: reordered old AppendEntriesReplies never move match_index backwards") {
  Cluster c(3);
  c.crash(N(3));  // commits need node 2's acknowledgements
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 4; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  c.deliver_all();
  REQUIRE(c.raft(N(1)).commit_index() == I(5));
  // Replay old replies from node 2: a success for index 2 and a rejection asking to go back to index 2.
  std::vector<AppendEntries> sent;
  c.drop = [&](const Envelope& e) {
    if (const auto* ae = std::get_if<AppendEntries>(&e.message); ae && e.to == N(2)) sent.push_back(*ae);
    return false;
  };
  c.deliver(Envelope{N(2), N(1), AppendEntriesReply{T(1), true, I(2), I(0), T(0)}});
  c.deliver(Envelope{N(2), N(1), AppendEntriesReply{T(1), false, I(0), I(2), T(0)}});
  // With match_index still 5, the rejection cannot send the leader back below index 6.
  for (const AppendEntries& ae : sent) CHECK(ae.prev_log_index >= I(5));
  c.deliver_all();
  c.heartbeat(N(1));
  for (const AppendEntries& ae : sent) CHECK(ae.prev_log_index >= I(5));
  CHECK(c.raft(N(1)).commit_index() == I(5));
  // A new entry still commits: node 2's progress was not damaged.
  c.client(N(1), put("k", "5", 1, 5));
  c.deliver_all();
  CHECK(c.raft(N(1)).commit_index() == I(6));
  c.check_all_invariants();
}

TEST_CASE("5.3: a lost AppendEntries is repaired by the next heartbeat") {
  Cluster c(3);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(2) && std::holds_alternative<AppendEntries>(e.message); };
  c.client(N(1), put("a", "1"));
  c.deliver_all();
  CHECK(c.raft(N(1)).commit_index() == I(2));  // committed with node 3
  CHECK(c.raft(N(2)).last_log_index() == I(1));
  c.drop = {};
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  CHECK(c.raft(N(2)).commit_index() == I(2));
}

TEST_CASE("5.3: leaders send at most max_entries_per_append entries per message and keep going") {
  Cluster c(3, [](Config& config) { config.max_entries_per_append = 3; });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.from == N(1); };
  for (std::uint64_t i = 1; i <= 10; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  c.network().clear();
  std::size_t largest = 0;
  c.drop = [&](const Envelope& e) {
    if (const auto* ae = std::get_if<AppendEntries>(&e.message)) largest = std::max(largest, ae->entries.size());
    return false;
  };
  c.heartbeat(N(1));  // the window (2 appends) is full of lost appends: an empty heartbeat at the match
  c.heartbeat(N(1));  // no ack for a whole interval: probe, then replicate
  CHECK(largest == 3);
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  CHECK(c.raft(N(1)).commit_index() == I(11));
}

TEST_CASE("5.3: a client noop is answered ok, the leader's own term-start no-op answers nobody") {
  Cluster c(3);
  c.elect(N(1));
  CHECK(c.node(N(1)).replies.empty());
  Command noop;
  noop.op = OpKind::noop;
  noop.client_id = 3;
  noop.request_id = 4;
  c.client(N(1), noop);
  c.deliver_all();
  REQUIRE(c.node(N(1)).replies.size() == 1);
  CHECK(c.node(N(1)).replies[0].status == ReplyStatus::ok);
  CHECK(c.node(N(1)).replies[0].request_id == 4);
  c.check_all_invariants();
}

TEST_CASE("5.3: a retransmitted request that is still pending is not appended twice") {
  Cluster c(3);
  c.elect(N(1));
  c.drop = [](const Envelope&) { return true; };
  c.client(N(1), put("a", "x", 2, 1));
  c.client(N(1), put("a", "x", 2, 1));
  CHECK(c.raft(N(1)).last_log_index() == I(2));
  c.drop = {};
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  REQUIRE(c.node(N(1)).replies.size() == 1);
  CHECK(c.node(N(1)).replies[0].value == "x");
}
