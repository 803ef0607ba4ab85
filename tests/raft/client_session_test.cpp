// Client sessions (Ongaro thesis 6.3): each client's last applied request and its reply are replicated
// state, so a retried request is applied once, whichever leader and log entry it comes back through.
#include <catch2/catch.hpp>

#include "harness.h"
#include "raft/kv_state_machine.h"

using namespace raft_test;

TEST_CASE("6.3: a retry of an applied request returns the saved reply and is not applied again") {
  raft::KvStateMachine kv;
  const raft::KvResult first = kv.apply(append("k", "x ", 5, 1), I(3), T(1));
  CHECK_FALSE(first.duplicate);
  CHECK(first.value == "x ");
  CHECK(first.index == I(3));
  // The same client and request id again, as a later entry (the client retried after an unknown outcome).
  const raft::KvResult retry = kv.apply(append("k", "x ", 5, 1), I(7), T(2));
  CHECK(retry.duplicate);
  CHECK(retry.value == "x ");    // the saved reply ...
  CHECK(retry.index == I(3));    // ... of the entry that applied it
  CHECK(retry.term == T(1));
  CHECK(kv.get("k") == "x ");    // applied once
  REQUIRE(kv.sessions().count(5) == 1);
  CHECK(kv.sessions().at(5).last_request_id == 1);
}

TEST_CASE("6.3: a saved cas reply is returned as it was, even when the compare would match now") {
  raft::KvStateMachine kv;
  Command cas = put("k", "new", 2, 4);
  cas.op = OpKind::cas;
  cas.expected = "old";
  const raft::KvResult failed = kv.apply(cas, I(1), T(1));
  CHECK_FALSE(failed.cas_succeeded);
  kv.apply(put("k", "old", 3, 1), I(2), T(1));
  const raft::KvResult retry = kv.apply(cas, I(3), T(1));
  CHECK(retry.duplicate);
  CHECK_FALSE(retry.cas_succeeded);  // not re-executed: the compare is not tried again
  CHECK(kv.get("k") == "old");
}

TEST_CASE("6.3: an older request of a client is not applied, other clients and request id 0 are independent") {
  raft::KvStateMachine kv;
  kv.apply(put("k", "a", 1, 2), I(1), T(1));
  const raft::KvResult stale = kv.apply(put("k", "stale", 1, 1), I(2), T(1));
  CHECK(stale.duplicate);
  CHECK(stale.value.empty());
  CHECK(kv.get("k") == "a");
  CHECK_FALSE(kv.apply(put("k", "b", 2, 2), I(3), T(1)).duplicate);  // another client, same request id
  CHECK(kv.get("k") == "b");
  // Request id 0: no session (tools that never retry); applied every time.
  CHECK_FALSE(kv.apply(append("j", "z", 1, 0), I(4), T(1)).duplicate);
  CHECK_FALSE(kv.apply(append("j", "z", 1, 0), I(5), T(1)).duplicate);
  CHECK(kv.get("j") == "zz");
  CHECK(kv.sessions().size() == 2);
}

TEST_CASE("6.3: with sessions off (the planted bug) a retried request is applied twice") {
  raft::KvStateMachine kv;
  kv.apply(append("k", "x ", 5, 1), I(1), T(1), raft::Sessions::off);
  const raft::KvResult again = kv.apply(append("k", "x ", 5, 1), I(2), T(1), raft::Sessions::off);
  CHECK_FALSE(again.duplicate);
  CHECK(kv.get("k") == "x x ");
}

TEST_CASE("6.3: the session table is bounded: one entry per client, the session applied longest ago goes") {
  raft::KvStateMachine kv(3);
  for (std::uint64_t client = 1; client <= 3; ++client) kv.apply(put("k", "v", client, 1), I(client), T(1));
  kv.apply(put("k", "w", 1, 2), I(4), T(1));  // client 1 is now the most recent
  CHECK(kv.sessions().size() == 3);           // a client's new request replaces its entry
  kv.apply(put("k", "u", 4, 1), I(5), T(1));
  REQUIRE(kv.sessions().size() == 3);
  CHECK(kv.sessions().count(2) == 0);  // applied at index 2: the oldest
  CHECK(kv.sessions().count(1) == 1);
  CHECK(kv.sessions().count(4) == 1);
}

namespace {

// Node 1 proposes the client's append and replicates it, but no acknowledgement returns before it
// crashes: the entry is in every log, uncommitted. Node 2 leads next and the client's retry (the same ids)
// reaches it: the log holds the request twice.
void retry_through_a_new_leader(Cluster& c) {
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.from != N(1); };
  c.client(N(1), append("k", "x ", 5, 1));
  c.deliver_all();
  REQUIRE(c.raft(N(1)).commit_index() == I(1));  // only the term-start no-op
  REQUIRE(c.raft(N(2)).last_log_index() == I(2));
  c.drop = nullptr;
  c.crash(N(1));
  c.elect(N(2));
  REQUIRE(c.raft(N(2)).role() == Role::leader);
  c.client(N(2), append("k", "x ", 5, 1));
  c.deliver_all();
  c.heartbeat(N(2));
  REQUIRE(c.raft(N(2)).last_log_index() == I(4));  // the first attempt, the no-op, the retry
  REQUIRE(c.raft(N(2)).commit_index() == I(4));
}

}  // namespace

TEST_CASE("6.3: a request in the log twice (an uncommitted attempt and its retry) is applied once") {
  Cluster c(3);
  retry_through_a_new_leader(c);
  for (std::uint32_t id : {2U, 3U}) CHECK(c.raft(N(id)).state_machine().get("k") == "x ");
  const auto& replies = c.node(N(2)).replies;
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == ReplyStatus::ok);
  CHECK(replies[0].value == "x ");
  CHECK(replies[0].index == I(2));  // where the request took effect: the first attempt's entry
  CHECK(replies[0].term == T(1));
  c.check_all_invariants();
}

TEST_CASE("6.3: BUG(retry-applied-twice) applies the retry again") {
  Cluster c(3, [](Config& config) { config.bugs.set(raft::Bug::retry_applied_twice); });
  retry_through_a_new_leader(c);
  CHECK(c.raft(N(2)).state_machine().get("k") == "x x ");
  const auto& replies = c.node(N(2)).replies;
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].value == "x x ");
  CHECK(replies[0].index == I(4));
}
