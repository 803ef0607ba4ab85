// Ongaro's thesis 9.6 (PreVote), 6.2 (CheckQuorum) and 3.10 (leadership transfer).
#include <catch2/catch.hpp>

#include "harness.h"
#include "raft/leadership.h"

using namespace raft_test;

namespace {

void with_features(Config& c, bool pre_vote, bool check_quorum) {
  c.pre_vote = pre_vote;
  c.check_quorum = check_quorum;
}

void transfer(Cluster& c, NodeId leader, std::optional<NodeId> target) {
  Output out;
  c.raft(leader).on_transfer_leadership(target, out);
  c.handle(leader, out);
}

bool sent_timeout_now(const std::deque<Envelope>& network, NodeId to) {
  return std::any_of(network.begin(), network.end(), [&](const Envelope& e) {
    return e.to == to && std::holds_alternative<raft::TimeoutNow>(e.message);
  });
}

}  // namespace

TEST_CASE("thesis 9.6: with pre_vote a timed-out follower asks for pre-votes for term + 1 and keeps its term") {
  Config config = make_config(1, 3);
  config.pre_vote = true;
  Single s(config);
  Output o;
  s.raft.on_timer(TimerKind::election, o);
  CHECK(s.raft.role() == Role::pre_candidate);
  CHECK(s.raft.term() == T(0));
  CHECK(!s.raft.voted_for().has_value());
  CHECK(o.persist.empty());  // nothing durable changes
  const auto pre_votes = messages_of<raft::PreVote>(o);
  REQUIRE(pre_votes.size() == 2);
  CHECK(pre_votes[0].term == T(1));
  CHECK(messages_of<RequestVote>(o).empty());
}

TEST_CASE("thesis 9.6: granting a pre-vote changes neither term nor vote") {
  Config config = make_config(2, 3);
  config.pre_vote = true;
  Single s(config);
  const Output o = s.step(N(1), raft::PreVote{T(5), N(1), I(0), T(0)});
  CHECK(s.raft.term() == T(0));
  CHECK(!s.raft.voted_for().has_value());
  CHECK(o.persist.empty());
  CHECK(of_kind(o.observations, Observation::Kind::vote_granted).empty());
  const auto replies = messages_of<raft::PreVoteReply>(o);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].vote_granted);
  CHECK(replies[0].term == T(5));
}

TEST_CASE("thesis 9.6: a pre-vote for a log behind the receiver's is refused with the receiver's term") {
  Config config = make_config(2, 3);
  config.pre_vote = true;
  DurableState d;
  d.hard_state.term = T(3);
  d.log = {entry(1), entry(3)};
  Single s(config, d);
  const Output o = s.step(N(1), raft::PreVote{T(4), N(1), I(1), T(1)});
  const auto replies = messages_of<raft::PreVoteReply>(o);
  REQUIRE(replies.size() == 1);
  CHECK(!replies[0].vote_granted);
  CHECK(replies[0].term == T(3));
  CHECK(s.raft.term() == T(3));
}

TEST_CASE("thesis 9.6: a follower hearing from its leader refuses pre-votes until its election timeout passes") {
  Cluster c(3, [](Config& cfg) { with_features(cfg, true, false); });
  c.elect(N(1));  // pre-vote round, then the election
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  const Term term = c.raft(N(1)).term();
  CHECK(term == T(1));
  // Node 3 loses its link to the leader only (a partial partition) and times out.
  c.drop = [](const Envelope& e) { return (e.from == N(1) && e.to == N(3)) || (e.from == N(3) && e.to == N(1)); };
  c.heartbeat(N(1));
  c.fire(N(3), TimerKind::election);
  CHECK(c.raft(N(3)).role() == Role::pre_candidate);
  c.deliver_all();
  // Node 2 heard from the leader: it refuses, no term moves, the leader stays.
  CHECK(c.raft(N(3)).role() == Role::pre_candidate);
  CHECK(c.raft(N(3)).term() == term);
  CHECK(c.raft(N(2)).term() == term);
  CHECK(c.leaders() == std::vector<NodeId>{N(1)});
  // Once node 2's own election timeout passes without the leader (cut off now), it grants.
  c.drop = [](const Envelope& e) { return e.from == N(1) || e.to == N(1); };
  c.fire(N(2), TimerKind::election);
  c.deliver_all();
  CHECK(c.raft(N(2)).term() > term);
  c.check_all_invariants();
}

TEST_CASE("thesis 9.6: a pre-candidate that wins a majority of pre-votes starts the real election") {
  Cluster c(3, [](Config& cfg) { with_features(cfg, true, false); });
  c.fire(N(2), TimerKind::election);
  CHECK(c.raft(N(2)).role() == Role::pre_candidate);
  CHECK(c.raft(N(2)).term() == T(0));
  c.deliver_all();
  CHECK(c.leaders() == std::vector<NodeId>{N(2)});
  CHECK(c.raft(N(2)).term() == T(1));
  c.check_all_invariants();
}

TEST_CASE("thesis 6.2: with check_quorum a leader that hears from no majority steps down at its next check") {
  Cluster c(3, [](Config& cfg) { with_features(cfg, false, true); });
  c.elect(N(1));
  REQUIRE(c.leaders() == std::vector<NodeId>{N(1)});
  const Term term = c.raft(N(1)).term();
  c.drop = [](const Envelope& e) { return e.from == N(1) || e.to == N(1); };
  c.fire(N(1), TimerKind::election);  // heard from both since it won: stays
  CHECK(c.raft(N(1)).role() == Role::leader);
  c.heartbeat(N(1));                  // lost
  c.fire(N(1), TimerKind::election);  // heard from no one in a whole election timeout
  CHECK(c.raft(N(1)).role() == Role::follower);
  CHECK(c.raft(N(1)).term() == term);  // same term: it knows of no other leader
  CHECK(!c.raft(N(1)).leader_hint().has_value());
  c.check_all_invariants();
}

TEST_CASE("thesis 6.2: a leader in contact with a majority keeps leading, and without check_quorum never checks") {
  Cluster c(5, [](Config& cfg) { with_features(cfg, false, true); });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(4) || e.to == N(5); };  // two of five gone
  for (int round = 0; round < 3; ++round) {
    c.heartbeat(N(1));
    c.fire(N(1), TimerKind::election);
    CHECK(c.raft(N(1)).role() == Role::leader);
  }
  Cluster plain(3);
  plain.elect(N(1));
  plain.drop = [](const Envelope&) { return true; };
  plain.fire(N(1), TimerKind::election);
  plain.fire(N(1), TimerKind::election);
  CHECK(plain.raft(N(1)).role() == Role::leader);
}

TEST_CASE("thesis 3.10: a transfer brings the target up to date, then TimeoutNow makes it leader at once") {
  Cluster c(3, [](Config& cfg) { with_features(cfg, true, true); });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3); };
  c.client(N(1), put("a", "1"));
  c.deliver_all();
  REQUIRE(c.raft(N(3)).last_log_index() < c.raft(N(1)).last_log_index());
  c.drop = nullptr;
  transfer(c, N(1), N(3));
  // Behind: AppendEntries first, no TimeoutNow yet.
  CHECK(!sent_timeout_now(c.network(), N(3)));
  const auto started = of_kind(c.node(N(1)).observations, Observation::Kind::transfer_started);
  REQUIRE(started.size() == 1);
  CHECK(started[0].a == 3);
  c.deliver_all();
  CHECK(!sent_timeout_now(c.network(), N(3)));
  c.heartbeat(N(1));  // the next AppendEntries finds where node 3's log ends and fills it
  // Caught up, TimeoutNow, an election without a pre-vote round, won.
  CHECK(c.leaders() == std::vector<NodeId>{N(3)});
  CHECK(c.raft(N(3)).term() == T(2));
  CHECK(c.raft(N(3)).commit_index() >= I(2));
  c.check_all_invariants();
}

TEST_CASE("thesis 3.10: a transferring leader refuses proposals, and abandons the transfer after an election timeout") {
  Cluster c(3, [](Config& cfg) {
    cfg.election_timeout_us_min = 150'000;
    cfg.heartbeat_interval_us = 50'000;
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(2); };  // the target never answers
  c.client(N(1), put("a", "1"));
  c.deliver_all();
  transfer(c, N(1), std::nullopt);  // "any": node 3 holds more of the log than node 2
  const auto started = of_kind(c.node(N(1)).observations, Observation::Kind::transfer_started);
  REQUIRE(started.size() == 1);
  CHECK(started[0].a == 3);
  c.deliver_all();
  CHECK(c.leaders() == std::vector<NodeId>{N(3)});

  Cluster d(3);
  d.elect(N(1));
  d.drop = [](const Envelope& e) { return e.to == N(2); };
  transfer(d, N(1), N(2));
  d.node(N(1)).replies.clear();
  d.client(N(1), put("b", "2", 1, 2));
  REQUIRE(d.node(N(1)).replies.size() == 1);
  CHECK(d.node(N(1)).replies[0].status == ReplyStatus::not_leader);
  const std::uint32_t beats = raft::leadership::transfer_heartbeats(150'000, 50'000);
  CHECK(beats == 3);
  for (std::uint32_t i = 0; i < beats; ++i) d.heartbeat(N(1));
  CHECK(of_kind(d.node(N(1)).observations, Observation::Kind::transfer_abandoned).size() == 1);
  CHECK(d.leaders() == std::vector<NodeId>{N(1)});
  const std::size_t before = d.raft(N(1)).last_log_index().value;
  d.client(N(1), put("b", "2", 1, 3));
  CHECK(d.raft(N(1)).last_log_index().value == before + 1);
  d.check_all_invariants();
}

TEST_CASE("thesis 3.10: the target picked for \"any\" is the most up-to-date peer, lowest id on ties") {
  using raft::leadership::pick_transfer_target;
  CHECK(pick_transfer_target({{N(2), I(4)}, {N(3), I(7)}, {N(4), I(7)}}) == N(3));
  CHECK(pick_transfer_target({{N(2), I(0)}, {N(3), I(0)}}) == N(2));
  CHECK(raft::leadership::transfer_heartbeats(100, 300) == 1);
  CHECK(raft::leadership::grant_pre_vote(T(3), T(2), false, true));
  CHECK(!raft::leadership::grant_pre_vote(T(3), T(2), true, true));
  CHECK(!raft::leadership::grant_pre_vote(T(2), T(2), false, true));
  CHECK(raft::leadership::has_quorum_contact(2, 3));  // 2 peers + itself of 5 nodes (quorum 3)
  CHECK(!raft::leadership::has_quorum_contact(1, 3));
}
