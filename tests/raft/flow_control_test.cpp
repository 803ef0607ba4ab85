// Flow control and batching (Ongaro's thesis 10.2.1: pipelining; etcd raft's Progress states Probe,
// Replicate and Snapshot with its Inflights window, MaxInflightMsgs).
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;
using raft::ProgressState;

namespace {

// AppendEntries waiting in the network for `to`, in send order.
std::vector<AppendEntries> appends_to(Cluster& c, NodeId to) {
  std::vector<AppendEntries> result;
  for (const Envelope& e : c.network()) {
    if (const auto* ae = std::get_if<AppendEntries>(&e.message); ae && e.to == to) result.push_back(*ae);
  }
  return result;
}

// Remove and return the first queued message from `from` to `to` of type M.
template <typename M>
Envelope take(Cluster& c, NodeId from, NodeId to) {
  auto& net = c.network();
  for (auto it = net.begin(); it != net.end(); ++it) {
    if (it->from == from && it->to == to && std::holds_alternative<M>(it->message)) {
      Envelope e = *it;
      net.erase(it);
      return e;
    }
  }
  FAIL("no such message queued");
  return {};
}

void with_window(Config& config, std::uint32_t window, std::uint32_t entries) {
  config.max_inflight_appends = window;
  config.max_entries_per_append = entries;
}

}  // namespace

TEST_CASE("flow control: a new leader probes each follower with one AppendEntries until a reply establishes the match") {
  Cluster c(3, [](Config& config) { with_window(config, 4, 1); });
  c.crash(N(3));  // never answers: its progress stays in probe
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  const auto p3 = c.raft(N(1)).progress(N(3));
  REQUIRE(p3.has_value());
  CHECK(p3->state == ProgressState::probe);
  CHECK(p3->probe_sent);
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);  // node 2 answered the probe
  // Proposals go to node 2 but not to node 3: its probe is still unanswered.
  std::size_t to_3 = 0;
  c.drop = [&](const Envelope& e) {
    if (e.to == N(3) && std::holds_alternative<AppendEntries>(e.message)) ++to_3;
    return false;
  };
  for (std::uint64_t i = 1; i <= 3; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  CHECK(to_3 == 0);
  CHECK(appends_to(c, N(2)).size() == 3);
  // The heartbeat re-sends the probe: exactly one message, from the unchanged next_index.
  c.fire(N(1), TimerKind::heartbeat);
  CHECK(to_3 == 1);
  CHECK(c.raft(N(1)).progress(N(3))->next_index == I(1));  // the leader's log was empty at election
  c.deliver_all();
  // Once node 3 is back and answers a probe, it moves to replicate and catches up.
  c.boot(N(3));
  c.heartbeat(N(1));
  CHECK(c.raft(N(1)).progress(N(3))->state == ProgressState::replicate);
  CHECK(c.raft(N(3)).log() == c.raft(N(1)).log());
  c.check_all_invariants();
}

TEST_CASE("flow control: replicate pipelines up to max_inflight_appends and sends nothing more until an ack") {
  Cluster c(3, [](Config& config) { with_window(config, 3, 1); });
  c.elect(N(1));
  REQUIRE(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
  for (std::uint64_t i = 1; i <= 5; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  // Optimistic: three appends of one entry each, back to back, before any reply; the window is full.
  const auto sent = appends_to(c, N(2));
  REQUIRE(sent.size() == 3);
  for (std::size_t k = 0; k < sent.size(); ++k) {
    CHECK(sent[k].prev_log_index == I(1 + k));
    CHECK(sent[k].entries.size() == 1);
  }
  auto p2 = *c.raft(N(1)).progress(N(2));
  CHECK(p2.inflight_appends == 3);
  CHECK(p2.next_index == I(5));
  CHECK(p2.match_index == I(1));
  // One ack frees one slot (or more): the leader sends the next entry, and only then.
  c.deliver(take<AppendEntries>(c, N(1), N(2)));
  c.deliver(take<AppendEntriesReply>(c, N(2), N(1)));
  p2 = *c.raft(N(1)).progress(N(2));
  CHECK(p2.match_index == I(2));
  CHECK(p2.inflight_appends == 3);
  CHECK(appends_to(c, N(2)).size() == 3);  // two still queued, one new
  CHECK(appends_to(c, N(2)).back().prev_log_index == I(4));
  c.deliver_all();
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  CHECK(c.raft(N(1)).commit_index() == I(6));
  c.check_all_invariants();
}

TEST_CASE("flow control: with the window full the heartbeat still goes out, empty and at the known match") {
  Cluster c(3, [](Config& config) { with_window(config, 2, 1); });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 4; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  REQUIRE(c.raft(N(1)).progress(N(2))->inflight_appends == 2);
  c.network().clear();  // everything in flight is lost
  c.fire(N(1), TimerKind::heartbeat);
  auto sent = appends_to(c, N(2));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].entries.empty());
  CHECK(sent[0].prev_log_index == I(1));  // the match: the follower's consistency check passes
  c.deliver_all();
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);  // the reply changed nothing
  // A whole heartbeat interval without an ack: the appends in flight are presumed lost, back to probe.
  c.fire(N(1), TimerKind::heartbeat);
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::probe);
  c.deliver_all();
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  CHECK(c.raft(N(1)).commit_index() == I(5));
  c.check_all_invariants();
}

TEST_CASE("flow control: a rejection in replicate drops to probe from the match, a stale one changes nothing") {
  Cluster c(3, [](Config& config) { with_window(config, 4, 1); });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 3; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  c.deliver_all();
  REQUIRE(c.raft(N(1)).progress(N(2))->match_index == I(4));
  SECTION("stale: it rejects an append at or below the match") {
    AppendEntriesReply stale{T(1), false, I(0), I(2), T(0)};
    stale.rejected_prev_index = I(3);
    c.deliver(Envelope{N(2), N(1), stale});
    CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
    CHECK(c.network().empty());
  }
  SECTION("current: a conflict past the match") {
    c.client(N(1), put("k", "4", 1, 4));
    c.client(N(1), put("k", "5", 1, 5));
    c.network().clear();
    AppendEntriesReply reject{T(1), false, I(0), I(5), T(1)};
    reject.rejected_prev_index = I(5);
    c.deliver(Envelope{N(2), N(1), reject});
    const auto p2 = *c.raft(N(1)).progress(N(2));
    CHECK(p2.state == ProgressState::probe);
    CHECK(p2.probe_sent);
    CHECK(p2.inflight_appends == 0);
    const auto sent = appends_to(c, N(2));
    REQUIRE(sent.size() == 1);  // one probe, from just past the match
    CHECK(sent[0].prev_log_index == I(4));
    c.deliver_all();
    CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
    CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  }
  c.check_all_invariants();
}

TEST_CASE("flow control: in probe only the answer to the current probe moves next_index") {
  // Node 2 has a longer log of an old term: the new leader of term 3 backs up to the match.
  DurableState stale_follower;
  stale_follower.hard_state.term = T(2);
  stale_follower.log = {entry(1), entry(2), entry(2), entry(2), entry(2)};
  DurableState leader;
  leader.hard_state.term = T(2);
  leader.log = {entry(1)};
  leader.log.push_back(entry(1, "x", "y"));
  Cluster c(3, [](Config& config) { with_window(config, 4, 1); }, {leader, stale_follower, leader});
  c.crash(N(2));
  c.elect(N(1));
  c.boot(N(2));
  // A rejection of an older probe position (rejected prev 1, the probe is at 2) is ignored.
  AppendEntriesReply old{T(3), false, I(0), I(1), T(0)};
  old.rejected_prev_index = I(1);
  const LogIndex next_before = c.raft(N(1)).progress(N(2))->next_index;
  c.deliver(Envelope{N(2), N(1), old});
  CHECK(c.raft(N(1)).progress(N(2))->next_index == next_before);
  c.network().clear();
  c.heartbeat(N(1));  // the probe again, answered: fast backup, one probe at a time, then replicate
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  c.check_all_invariants();
}

TEST_CASE("flow control: a reordered append is resent alone after its rejection, not the whole window") {
  Cluster c(3, [](Config& config) { with_window(config, 4, 1); });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 3; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  // The second append overtakes the first: the follower rejects it (log too short).
  const Envelope first = take<AppendEntries>(c, N(1), N(2));
  const Envelope second = take<AppendEntries>(c, N(1), N(2));
  c.deliver(second);
  c.deliver(take<AppendEntriesReply>(c, N(2), N(1)));
  // The gap is still in flight: the leader stays in replicate and resends exactly the rejected append.
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
  const auto sent = appends_to(c, N(2));
  REQUIRE(sent.size() == 2);  // the third original, and the resent second
  CHECK(sent[1].prev_log_index == std::get<AppendEntries>(second.message).prev_log_index);
  c.deliver(first);
  c.deliver_all();
  CHECK(c.raft(N(1)).progress(N(2))->state == ProgressState::replicate);
  CHECK(c.raft(N(2)).log() == c.raft(N(1)).log());
  c.check_all_invariants();
}

TEST_CASE("batching: proposals that arrive while the window is full go out together in one AppendEntries") {
  Cluster c(3, [](Config& config) { with_window(config, 1, 64); });
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 10; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  auto sent = appends_to(c, N(2));
  REQUIRE(sent.size() == 1);  // the first proposal; nine wait for the ack
  CHECK(sent[0].entries.size() == 1);
  c.deliver(take<AppendEntries>(c, N(1), N(2)));
  c.deliver(take<AppendEntriesReply>(c, N(2), N(1)));
  sent = appends_to(c, N(2));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].entries.size() == 9);
  c.deliver_all();
  CHECK(c.raft(N(1)).commit_index() == I(11));
  CHECK(c.node(N(1)).replies.size() == 10);
  c.check_all_invariants();
}

TEST_CASE("flow control: a follower that needs compacted entries gets only the snapshot until it is installed") {
  Cluster c(3, [](Config& config) {
    with_window(config, 4, 1);
    config.snapshot_every_entries = 4;
    config.snapshot_trailing_entries = 0;
  });
  c.crash(N(3));
  c.elect(N(1));
  for (std::uint64_t i = 1; i <= 8; ++i) c.client(N(1), put("k", std::to_string(i), 1, i));
  c.deliver_all();
  REQUIRE(c.raft(N(1)).log_base_index() > I(1));
  c.boot(N(3));
  c.fire(N(1), TimerKind::heartbeat);
  CHECK(c.raft(N(1)).progress(N(3))->state == ProgressState::snapshot);
  std::size_t appends_during_snapshot = 0;
  c.drop = [&](const Envelope& e) {
    if (e.to == N(3) && std::holds_alternative<AppendEntries>(e.message) &&
        c.raft(N(1)).progress(N(3))->state == ProgressState::snapshot) {
      ++appends_during_snapshot;
    }
    return false;
  };
  c.client(N(1), put("k", "9", 1, 9));
  c.deliver_all();
  c.heartbeat(N(1));
  CHECK(appends_during_snapshot == 0);
  CHECK(c.raft(N(1)).progress(N(3))->state == ProgressState::replicate);
  CHECK(c.raft(N(3)).last_applied() == c.raft(N(1)).last_applied());
  c.check_all_invariants();
}

TEST_CASE("planted bug match-on-send: an unacknowledged optimistic append counts as replicated") {
  const bool planted = GENERATE(false, true);
  Cluster c(3, [&](Config& config) {
    with_window(config, 4, 1);
    if (planted) config.bugs.set(raft::Bug::match_on_send);
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.from == N(1); };  // nothing the leader sends arrives
  c.client(N(1), put("k", "1"));
  c.deliver_all();
  // Correct: entry 2 is on the leader only, so it is not committed. Bug: it is, without a majority.
  CHECK(c.raft(N(1)).commit_index() == (planted ? I(2) : I(1)));
}

// Thesis 6.4 step 3 with flow control: a read's heartbeat round must reach a follower whose window is full
// or whose probe is out at once (etcd: ReadIndex heartbeats are not flow-controlled); otherwise, when that
// follower's answer is needed for the majority, the read waits for the next heartbeat.
TEST_CASE("flow control: a read's heartbeat round reaches a follower in probe with its probe out and its reply confirms the read") {
  const std::uint32_t window = GENERATE(1u, 2u);
  Cluster c(3, [&](Config& config) {
    with_window(config, window, 1);
    config.read_index = true;
  });
  c.crash(N(3));  // the new leader's probe to node 3 is lost
  c.elect(N(1));
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();  // committed in term 1 by nodes 1 and 2
  c.boot(N(3));
  REQUIRE(c.raft(N(1)).progress(N(3))->state == ProgressState::probe);
  REQUIRE(c.raft(N(1)).progress(N(3))->probe_sent);
  c.crash(N(2));  // node 3 is now needed for a majority
  c.client(N(1), get("x", 7, 2));
  const auto sent = appends_to(c, N(3));
  REQUIRE(sent.size() == 1);  // the round, although the probe is out
  CHECK(sent[0].entries.empty());
  CHECK(sent[0].prev_log_index == c.raft(N(1)).progress(N(3))->match_index);  // the known match: it matches
  c.deliver_all();  // no heartbeat fires
  std::vector<ClientReply> replies;
  for (const ClientReply& r : c.node(N(1)).replies) {
    if (r.request_id == 2) replies.push_back(r);
  }
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == ReplyStatus::ok);
  CHECK(replies[0].value == "1");
  // The round's reply resumed the probe (etcd: a heartbeat response does): node 3 caught up, no heartbeat.
  CHECK(c.raft(N(1)).progress(N(3))->state == ProgressState::replicate);
  CHECK(c.raft(N(3)).log() == c.raft(N(1)).log());
  c.check_all_invariants();
}

TEST_CASE("flow control: a read's heartbeat round reaches a follower whose window is full at its known match") {
  Cluster c(3, [](Config& config) {
    with_window(config, 1, 1);
    config.read_index = true;
  });
  c.elect(N(1));
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();
  REQUIRE(c.raft(N(1)).progress(N(3))->state == ProgressState::replicate);
  c.crash(N(2));
  c.drop = [](const Envelope& e) { return e.to == N(3); };
  c.client(N(1), put("x", "2", 7, 2));  // lost on its way to node 3: node 3's window of 1 is full
  c.drop = nullptr;
  REQUIRE(c.raft(N(1)).progress(N(3))->inflight_appends == 1);
  c.client(N(1), get("x", 7, 3));
  const auto sent = appends_to(c, N(3));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].entries.empty());
  CHECK(sent[0].prev_log_index == c.raft(N(1)).progress(N(3))->match_index);
  c.deliver_all();
  bool answered = false;
  for (const ClientReply& r : c.node(N(1)).replies) answered = answered || (r.request_id == 3 && r.status == ReplyStatus::ok);
  CHECK(answered);  // read index 2 (put 1), confirmed by node 3, without waiting for the lost append
  c.check_all_invariants();
}
