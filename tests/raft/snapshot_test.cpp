// Snapshots and log compaction: Raft paper section 7 (Figure 13), Ongaro thesis chapter 5.
#include "raft/kv_state_machine.h"
#include "raft/snapshot.h"
#include "tests/raft/harness.h"

using namespace raft_test;
using raft::InstallSnapshot;
using raft::InstallSnapshotReply;

namespace {

// Makes `s` (node 1 of 3) a follower that applied `n` puts from leader 2 in term 1.
void apply_puts(Single& s, std::uint64_t n) {
  std::vector<Entry> entries;
  for (std::uint64_t i = 1; i <= n; ++i) entries.push_back(entry(1, "k" + std::to_string(i), "v"));
  Output o = s.step(N(2), AppendEntries{T(1), N(2), I(0), T(0), entries, I(n)});
  s.persist_all(o);
}

std::string snapshot_bytes_of(std::uint64_t n) {
  raft::KvStateMachine kv;
  // Request i of client 1 (client sessions, thesis 6.3: one request id applies once).
  for (std::uint64_t i = 1; i <= n; ++i) kv.apply(put("k" + std::to_string(i), "v", 1, i));
  return kv.snapshot();
}

}  // namespace

TEST_CASE("7: the KV snapshot is deterministic (sorted keys) and restores the same state") {
  raft::KvStateMachine a, b;
  a.apply(put("b", "2", 1, 1));
  a.apply(put("a", "1", 2, 1));
  b.apply(put("a", "1", 2, 1));
  b.apply(put("b", "2", 1, 1));
  CHECK(a.snapshot() == b.snapshot());  // insertion order does not matter
  raft::KvStateMachine c;
  REQUIRE(c.restore(a.snapshot()));
  CHECK(c.data() == a.data());
  CHECK(raft::state_digest(c.snapshot()) == raft::state_digest(a.snapshot()));
  std::string damaged = a.snapshot();
  damaged.pop_back();
  raft::KvStateMachine d;
  CHECK_FALSE(d.restore(damaged));
  CHECK_FALSE(d.restore("not a snapshot"));
  CHECK(d.data().empty());  // a refused restore leaves the state as it was
}

TEST_CASE("7: a node snapshots every N applied entries and compacts its log keeping trailing entries") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 5;
    config.snapshot_trailing_entries = 2;
  });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 12; ++i) {
    c.client(N(1), put("k", std::to_string(i), 1, i));
    c.deliver_all();
  }
  c.heartbeat(N(1));  // followers learn the last commit
  for (std::uint32_t id = 1; id <= 3; ++id) {
    Raft& r = c.raft(N(id));
    REQUIRE(r.last_applied() == I(13));  // the term-start no-op and 12 puts
    REQUIRE(r.snapshot_index().has_value());
    CHECK(*r.snapshot_index() == I(10));
    CHECK(r.log_base_index() == I(8));  // two trailing entries kept before the snapshot
    CHECK(r.log().size() == 5);
  }
  const auto taken = of_kind(c.node(N(1)).observations, Observation::Kind::snapshot_taken);
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].a == 5);
  CHECK(taken[1].a == 10);
  c.check_all_invariants();
}

TEST_CASE("7, Figure 13: a follower that needs compacted entries catches up by InstallSnapshot, in chunks") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 4;
    config.snapshot_trailing_entries = 0;
    config.snapshot_chunk_bytes = 8;
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3) || e.from == N(3); };
  for (std::uint64_t i = 1; i <= 10; ++i) {
    c.client(N(1), put("k" + std::to_string(i % 3), std::to_string(i), 1, i));
    c.deliver_all();
  }
  REQUIRE(c.raft(N(1)).log_base_index() == I(8));
  CHECK(c.raft(N(3)).last_applied() == I(0));
  c.drop = {};
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  CHECK(c.raft(N(3)).last_applied() == c.raft(N(1)).last_applied());
  CHECK(c.raft(N(3)).snapshot_index() == std::optional<LogIndex>(I(8)));
  const auto chunks = of_kind(c.node(N(3)).observations, Observation::Kind::snapshot_chunk);
  CHECK(chunks.size() > 1);  // 8-byte chunks: the install took several messages
  CHECK(of_kind(c.node(N(3)).observations, Observation::Kind::snapshot_installed).size() == 1);
  c.check_all_invariants();
}

TEST_CASE("7: a node restarts from its snapshot plus its log") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 3;
    config.snapshot_trailing_entries = 1;
  });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 7; ++i) {
    c.client(N(1), put("k", std::to_string(i), 1, i));
    c.deliver_all();
  }
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(2)).last_applied() == I(8));
  REQUIRE(c.raft(N(2)).snapshot_index() == std::optional<LogIndex>(I(6)));
  c.crash(N(2));
  REQUIRE(c.node(N(2)).disk.snapshot.has_value());
  CHECK(c.node(N(2)).disk.log_base == I(5));
  c.boot(N(2));
  CHECK(c.raft(N(2)).last_applied() == I(6));  // from the snapshot; 7 and 8 follow once commit is learned
  CHECK(c.raft(N(2)).last_log_index() == I(8));
  const auto restored = of_kind(c.node(N(2)).observations, Observation::Kind::snapshot_restored);
  REQUIRE(restored.size() == 1);
  CHECK(restored[0].a == 6);
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).last_applied() == I(8));
  c.check_all_invariants();
}

TEST_CASE("7: a checkpoint record replayed alone gives the same disk as every record before it") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 3;
    config.snapshot_trailing_entries = 1;
  });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 8; ++i) {
    c.client(N(1), put("k" + std::to_string(i % 3), std::to_string(i), 1, i));
    c.deliver_all();
  }
  c.heartbeat(N(1));
  for (const NodeId n : {N(1), N(2), N(3)}) {
    const DurableState& disk = c.node(n).disk;
    REQUIRE(disk.snapshot.has_value());
    REQUIRE(!disk.log.empty());  // entries after the snapshot, which the checkpoint must carry
    DurableState replayed;
    raft::apply_persist_request(replayed, raft::checkpoint_request(disk, 99));
    CHECK(replayed.hard_state == disk.hard_state);
    CHECK(replayed.snapshot->index == disk.snapshot->index);
    CHECK(replayed.snapshot->term == disk.snapshot->term);
    CHECK(replayed.snapshot->data == disk.snapshot->data);
    CHECK(replayed.log_base == disk.log_base);
    CHECK(replayed.log_base_term == disk.log_base_term);
    CHECK(replayed.log == disk.log);
  }
}

TEST_CASE("Figure 13: a snapshot older than the applied state is ignored, never rolls the node back") {
  Single s(make_config(1, 3));
  apply_puts(s, 5);
  REQUIRE(s.raft.last_applied() == I(5));
  const std::string old = snapshot_bytes_of(3);
  Output o = s.step(N(2), InstallSnapshot{T(1), N(2), I(3), T(1), 0, old, true, {}});
  CHECK(s.raft.last_applied() == I(5));
  CHECK(s.raft.last_log_index() == I(5));
  CHECK(o.persist.empty());
  CHECK(of_kind(o.observations, Observation::Kind::snapshot_installed).empty());
  const auto replies = messages_of<InstallSnapshotReply>(o);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].done);  // already covered: the leader moves on
}

TEST_CASE("Figure 13 rule 1: a snapshot of a stale term is rejected") {
  Single s(make_config(1, 3));
  s.persist_all(s.step(N(2), AppendEntries{T(3), N(2), I(0), T(0), {}, I(0)}));
  Output o = s.step(N(3), InstallSnapshot{T(2), N(3), I(4), T(2), 0, snapshot_bytes_of(4), true, {}});
  CHECK(s.raft.last_applied() == I(0));
  const auto replies = messages_of<InstallSnapshotReply>(o);
  REQUIRE(replies.size() == 1);
  CHECK_FALSE(replies[0].done);
  CHECK(replies[0].term == T(3));
}

TEST_CASE("Figure 13 rules 2-5: chunks in order, a duplicate is harmless, the last reply waits for the write") {
  Single s(make_config(1, 3));
  const std::string data = snapshot_bytes_of(4);
  const std::string first = data.substr(0, 10), second = data.substr(10);
  Output a = s.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 0, first, false, {}});
  s.persist_all(a);  // the term write
  Output dup = s.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 0, first, false, {}});
  const auto dup_replies = messages_of<InstallSnapshotReply>(dup);
  REQUIRE(dup_replies.size() == 1);
  CHECK(dup_replies[0].next_offset == 10);  // the buffer kept its chunk
  Output gap = s.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 20, data.substr(20), true, {}});
  CHECK(s.raft.last_applied() == I(0));  // out of order: not installed
  Output last = s.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 10, second, true, {}});
  REQUIRE(last.persist.size() == 1);
  REQUIRE(last.persist[0].snapshot.has_value());
  CHECK(last.persist[0].snapshot->snapshot.index == I(4));
  CHECK(messages_of<InstallSnapshotReply>(last).empty());  // rule 5: saved before the reply
  CHECK(s.raft.last_applied() == I(4));
  CHECK(s.raft.commit_index() == I(4));
  Output released = s.persist_all(last);
  const auto replies = messages_of<InstallSnapshotReply>(released);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].done);
  s.raft.check_invariants();
}

TEST_CASE("Figure 13 rules 6-7: entries after the snapshot are kept if the log holds its last entry") {
  Single keep(make_config(1, 3));
  apply_puts(keep, 2);
  // Uncommitted entries 3..6 of term 1 beyond the commit index 2.
  keep.persist_all(keep.step(N(2), AppendEntries{T(1), N(2), I(2), T(1), {entry(1, "k3", "v"), entry(1, "k4", "v"), entry(1, "x"), entry(1, "y")}, I(2)}));
  Output o = keep.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 0, snapshot_bytes_of(4), true, {}});
  CHECK(of_kind(o.observations, Observation::Kind::log_truncated).empty());
  CHECK(keep.raft.last_log_index() == I(6));  // rule 6: 5 and 6 retained
  CHECK(keep.raft.log_base_index() == I(4));
  CHECK(keep.raft.last_applied() == I(4));

  Single discard(make_config(1, 3));
  apply_puts(discard, 2);
  discard.persist_all(discard.step(N(2), AppendEntries{T(1), N(2), I(2), T(1), {entry(1, "k3", "v"), entry(1, "x"), entry(1, "y")}, I(2)}));
  // A leader of term 2 has a snapshot up to 4 whose last entry is of term 2: the log does not hold it.
  Output d = discard.step(N(3), InstallSnapshot{T(2), N(3), I(4), T(2), 0, snapshot_bytes_of(4), true, {}});
  const auto truncated = of_kind(d.observations, Observation::Kind::log_truncated);
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0].a == 5);  // rule 7: entries after the snapshot are reported removed
  CHECK(discard.raft.last_log_index() == I(4));
  CHECK(discard.raft.log().empty());
}

// ---- client sessions in the snapshot (thesis 6.3 with paper 7) -------------------------------------------

TEST_CASE("6.3 and 7: the KV snapshot carries the client sessions, so a restored machine answers a retry once") {
  raft::KvStateMachine kv;
  kv.apply(append("k", "x ", 5, 1), I(3), T(1));
  Command cas = put("c", "new", 6, 2);
  cas.op = OpKind::cas;
  cas.expected = "old";
  kv.apply(cas, I(4), T(2));  // a failed cas: its saved reply says so
  raft::KvStateMachine restored;
  REQUIRE(restored.restore(kv.snapshot()));
  CHECK(restored.sessions() == kv.sessions());
  CHECK(restored.snapshot() == kv.snapshot());
  const raft::KvResult retry = restored.apply(append("k", "x ", 5, 1), I(9), T(3));
  CHECK(retry.duplicate);
  CHECK(retry.value == "x ");
  CHECK(retry.index == I(3));  // the entry that applied it first, from the snapshot
  CHECK(retry.term == T(1));
  CHECK(restored.get("k") == "x ");  // not applied again
  const raft::KvResult cas_retry = restored.apply(cas, I(10), T(3));
  CHECK(cas_retry.duplicate);
  CHECK_FALSE(cas_retry.cas_succeeded);
  CHECK(cas_retry.value.empty());  // the saved reply: the key was absent
  // The digest covers the sessions: two states with the same data but different sessions differ.
  raft::KvStateMachine same_data;
  same_data.apply(append("k", "x ", 7, 1), I(3), T(1));
  CHECK(same_data.data() == raft::KvStateMachine(kv).data());
  CHECK(raft::state_digest(same_data.snapshot()) != raft::state_digest(kv.snapshot()));
}

TEST_CASE("6.3 and 7: a follower brought up by InstallSnapshot applies a retried request once") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 3;
    config.snapshot_trailing_entries = 0;
    config.snapshot_chunk_bytes = 16;
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3) || e.from == N(3); };
  c.client(N(1), append("k", "x ", 5, 1));  // applied at index 2 by nodes 1 and 2
  c.deliver_all();
  for (std::uint64_t i = 1; i <= 4; ++i) {
    c.client(N(1), put("other", std::to_string(i), 6, i));
    c.deliver_all();
  }
  REQUIRE(c.raft(N(1)).log_base_index() >= I(2));  // the append's entry is compacted away
  REQUIRE(c.raft(N(3)).last_applied() == I(0));
  c.drop = {};
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  REQUIRE(of_kind(c.node(N(3)).observations, Observation::Kind::snapshot_installed).size() == 1);
  REQUIRE(c.raft(N(3)).last_applied() == c.raft(N(1)).last_applied());
  REQUIRE(c.raft(N(3)).state_machine().sessions().count(5) == 1);
  // The client never saw its reply and retries: the leader logs the request a second time.
  c.client(N(1), append("k", "x ", 5, 1));
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(3)).last_applied() == c.raft(N(1)).last_applied());
  for (std::uint32_t id = 1; id <= 3; ++id) CHECK(c.raft(N(id)).state_machine().get("k") == "x ");
  c.check_all_invariants();
}

TEST_CASE("6.3 and 7: a node restarted from its snapshot applies a retried request once") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 2;
    config.snapshot_trailing_entries = 0;
  });
  c.elect(N(1));
  c.client(N(1), append("k", "x ", 5, 1));
  c.deliver_all();
  c.client(N(1), put("other", "1", 6, 1));
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(2)).snapshot_index().has_value());
  REQUIRE(*c.raft(N(2)).snapshot_index() >= I(2));
  c.crash(N(2));
  c.boot(N(2));
  REQUIRE(of_kind(c.node(N(2)).observations, Observation::Kind::snapshot_restored).size() == 1);
  REQUIRE(c.raft(N(2)).state_machine().sessions().count(5) == 1);
  c.client(N(1), append("k", "x ", 5, 1));
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(2)).last_applied() == c.raft(N(1)).last_applied());
  CHECK(c.raft(N(2)).state_machine().get("k") == "x ");
  c.check_all_invariants();
}

// ---- snapshots with PreVote and leadership transfer (thesis 9.6, 3.10) -----------------------------------

TEST_CASE("7 and thesis 9.6: a pre-candidate that receives its term's leader's InstallSnapshot follows it") {
  Config config = make_config(1, 3);
  config.pre_vote = true;
  Single s(config);
  apply_puts(s, 2);  // a follower of node 2 in term 1
  Output timeout;
  s.raft.on_timer(TimerKind::election, timeout);
  REQUIRE(s.raft.role() == Role::pre_candidate);
  REQUIRE(s.raft.term() == T(1));
  Output o = s.step(N(2), InstallSnapshot{T(1), N(2), I(4), T(1), 0, snapshot_bytes_of(4), true, {}});
  CHECK(s.raft.role() == Role::follower);
  CHECK(s.raft.leader_hint() == std::optional<NodeId>(N(2)));
  CHECK(s.raft.last_applied() == I(4));
  s.persist_all(o);
  // Heard from the leader: a pre-vote for the next term is refused (thesis 9.6).
  Output pv = s.step(N(3), raft::PreVote{T(2), N(3), I(4), T(1)});
  const auto replies = messages_of<raft::PreVoteReply>(pv);
  REQUIRE(replies.size() == 1);
  CHECK_FALSE(replies[0].vote_granted);
  s.raft.check_invariants();
}

TEST_CASE("7 and thesis 3.10: a transfer target brought up by InstallSnapshot gets TimeoutNow") {
  Cluster c(3, [](Config& config) {
    config.snapshot_every_entries = 2;
    config.snapshot_trailing_entries = 0;
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3) || e.from == N(3); };
  for (std::uint64_t i = 1; i <= 3; ++i) {
    c.client(N(1), put("k", std::to_string(i), 1, i));
    c.deliver_all();
  }
  REQUIRE(c.raft(N(1)).log_base_index() == c.raft(N(1)).last_log_index());  // all compacted: 4 entries
  c.drop = {};
  Output o;
  c.raft(N(1)).on_transfer_leadership(N(3), o);
  c.handle(N(1), o);
  c.heartbeat(N(1));  // the target's rejection sends the leader back to its snapshot
  c.deliver_all();
  CHECK(of_kind(c.node(N(3)).observations, Observation::Kind::snapshot_installed).size() == 1);
  CHECK(c.raft(N(3)).role() == Role::leader);  // TimeoutNow followed the install; node 3 won at once
  c.check_all_invariants();
}
