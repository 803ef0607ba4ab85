// Ongaro's thesis 6.4.1: leader leases. A leader answers reads from its own state, with no heartbeat round
// and no log entry, while its lease holds: from the (leader's clock) time it began a heartbeat round that a
// majority acknowledged, for election_timeout_min / clock_drift_bound. Sound because (4.2.3) a follower
// grants no vote within election_timeout_min (its own clock) of hearing from the leader, and a restarted
// node none within that of its start; a leadership transfer (3.10) is the exception, and its leader gives
// up the lease.
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;

namespace {

constexpr std::uint64_t kMinUs = 150'000;

void with_leases(Config& c) {
  c.lease_reads = true;
  c.clock_drift_bound = 1.5;
  c.election_timeout_us_min = kMinUs;
  c.election_timeout_us_max = 2 * kMinUs;
  c.heartbeat_interval_us = 50'000;
}

std::vector<ClientReply> replies_to(const Node& n, std::uint64_t request) {
  std::vector<ClientReply> result;
  for (const ClientReply& r : n.replies) {
    if (r.request_id == request) result.push_back(r);
  }
  return result;
}

// Every node waits a minimum election timeout after its start before it votes (it may have restarted and
// forgotten a leader's lease): the clocks move past that, then `id` is elected at time kMinUs.
void elect_after_start(Cluster& c, NodeId id) {
  c.advance_clocks(kMinUs);
  c.elect(id);
}

template <typename M>
std::vector<M> messages_of_network(const std::deque<Envelope>& network) {
  std::vector<M> result;
  for (const Envelope& e : network) {
    if (const M* m = std::get_if<M>(&e.message)) result.push_back(*m);
  }
  return result;
}

void transfer(Cluster& c, NodeId leader, std::optional<NodeId> target) {
  Output out;
  c.raft(leader).on_transfer_leadership(target, out);
  c.handle(leader, out);
}

// A leader of term 1 in a 3-node cluster, driven by hand: node 1 won with node 2's vote.
std::unique_ptr<Raft> lead_alone(Config config) {
  auto leader = std::make_unique<Raft>(std::move(config), DurableState{});
  Raft& r = *leader;
  Output out;
  r.advance_clock(raft::LocalTime(0));
  r.start(out);
  out.clear();
  r.on_timer(TimerKind::election, out);
  for (const PersistRequest& p : out.persist) {
    Output ignored;
    r.on_persisted(p.token, ignored);
  }
  Output won;
  r.step(Envelope{N(2), N(1), RequestVoteReply{T(1), true}}, won);
  for (const PersistRequest& p : won.persist) {
    Output ignored;
    r.on_persisted(p.token, ignored);
  }
  REQUIRE(r.role() == Role::leader);
  return leader;
}

}  // namespace

TEST_CASE("6.4.1: within its lease a leader answers a read at once from its state with no round and no log entry") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));  // the first round (with the no-op) is acknowledged by both followers: the lease starts
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();
  const LogIndex last = c.raft(N(1)).last_log_index();
  c.client(N(1), get("x", 7, 2));
  const auto replies = replies_to(c.node(N(1)), 2);
  REQUIRE(replies.size() == 1);  // answered inside the input, before any message moves
  CHECK(replies[0].status == ReplyStatus::ok);
  CHECK(replies[0].value == "1");
  CHECK(replies[0].index == I(0));  // in no log entry
  CHECK(c.network().empty());       // no heartbeat round
  CHECK(c.raft(N(1)).last_log_index() == last);
  const auto leased = of_kind(c.node(N(1)).observations, Observation::Kind::lease_read);
  REQUIRE(leased.size() == 1);
  CHECK(leased[0].a == c.raft(N(1)).commit_index().value);
  CHECK(leased[0].b == 1);
  CHECK(leased[0].c == 2);
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::read_served).empty());
  c.check_all_invariants();
}

TEST_CASE("6.4.1: the lease lasts election_timeout_min / clock_drift_bound of the leader's clock from the round it began") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));  // round 1 began at the leader's time kMinUs
  const std::uint64_t lease_us = static_cast<std::uint64_t>(kMinUs / 1.5);  // 100 ms
  c.node(N(1)).clock_us = kMinUs + lease_us - 1;
  c.client(N(1), get("x", 7, 1));
  CHECK(replies_to(c.node(N(1)), 1).size() == 1);
  c.node(N(1)).clock_us = kMinUs + lease_us;  // expired: the get goes to the log (read_index is off)
  const LogIndex before = c.raft(N(1)).last_log_index();
  c.client(N(1), get("x", 7, 2));
  CHECK(replies_to(c.node(N(1)), 2).empty());
  CHECK(c.raft(N(1)).last_log_index() == before + 1);
  c.deliver_all();  // the entry commits; the round its AppendEntries carried was begun before: no new lease
  REQUIRE(replies_to(c.node(N(1)), 2).size() == 1);
  CHECK(replies_to(c.node(N(1)), 2)[0].index == before + 1);
  // A heartbeat begins a new round at the leader's time now; once a majority acknowledges it, the lease runs
  // from then.
  c.heartbeat(N(1));
  c.node(N(1)).clock_us = kMinUs + 2 * lease_us - 1;
  c.client(N(1), get("x", 7, 3));
  CHECK(replies_to(c.node(N(1)), 3).size() == 1);
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::lease_read).size() == 2);
  c.check_all_invariants();
}

TEST_CASE("6.4.1: an acknowledgement from a minority starts no lease, and an expired one falls back to ReadIndex") {
  Cluster c(3, [](Config& cfg) {
    with_leases(cfg);
    cfg.read_index = true;
  });
  c.drop = [](const Envelope& e) { return e.from == N(1) && e.to == N(3); };
  elect_after_start(c, N(1));  // node 2 and the leader: a majority of 3
  c.client(N(1), get("x", 7, 1));
  CHECK(replies_to(c.node(N(1)), 1).size() == 1);
  c.node(N(1)).clock_us = 2 * kMinUs;  // expired
  c.drop = [](const Envelope& e) { return e.from == N(1); };  // cut off
  c.client(N(1), get("x", 7, 2));
  c.deliver_all();
  CHECK(replies_to(c.node(N(1)), 2).empty());  // a ReadIndex read waits for its round
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::lease_read).size() == 1);
  c.drop = nullptr;
  c.heartbeat(N(1));
  REQUIRE(replies_to(c.node(N(1)), 2).size() == 1);
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::read_served).size() == 1);
  c.check_all_invariants();
}

TEST_CASE("6.4.1 and 6.4 step 1: no lease read before the leader committed an entry of its term") {
  Config config = make_config(1, 3);
  with_leases(config);
  std::unique_ptr<Raft> leader = lead_alone(config);
  Raft& r = *leader;
  Output out;
  // Node 2 rejects the no-op's AppendEntries (log mismatch) but is in the term: it confirms round 1.
  AppendEntriesReply reject;
  reject.term = T(1);
  reject.success = false;
  reject.conflict_index = I(1);
  reject.read_round = 1;
  r.step(Envelope{N(2), N(1), reject}, out);
  REQUIRE(r.commit_index() == I(0));
  Output read;
  r.on_client_request(get("x", 7, 1), read);
  CHECK(read.replies.empty());  // no lease read: into the log it goes
  CHECK(r.last_log_index() == I(2));
  AppendEntriesReply ok;
  ok.term = T(1);
  ok.success = true;
  ok.match_index = I(1);
  ok.read_round = 1;
  Output committed;
  r.step(Envelope{N(3), N(1), ok}, committed);
  REQUIRE(r.commit_index() == I(1));
  Output leased;
  r.on_client_request(get("x", 7, 2), leased);
  REQUIRE(leased.replies.size() == 1);
  CHECK(leased.replies[0].status == ReplyStatus::ok);
  CHECK(of_kind(leased.observations, Observation::Kind::lease_read).size() == 1);
  r.check_invariants();
}

TEST_CASE("4.2.3: within election_timeout_min of hearing from the leader a follower ignores a RequestVote of a higher term") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));
  c.node(N(2)).clock_us = 2 * kMinUs - 1;
  c.network().clear();
  const RequestVote ask{T(2), N(3), c.raft(N(3)).last_log_index(), c.raft(N(3)).log_term(c.raft(N(3)).last_log_index())};
  c.deliver(Envelope{N(3), N(2), ask});
  CHECK(c.raft(N(2)).term() == T(1));  // neither the term nor the vote moved, and no reply
  CHECK((!c.raft(N(2)).voted_for().has_value() || *c.raft(N(2)).voted_for() != N(3)));
  CHECK(c.network().empty());
  c.node(N(2)).clock_us = 2 * kMinUs;
  c.deliver(Envelope{N(3), N(2), ask});
  CHECK(c.raft(N(2)).term() == T(2));
  CHECK(c.raft(N(2)).voted_for() == N(3));
  c.check_all_invariants();
}

TEST_CASE("4.2.3 and 6.4.1: without lease reads a follower votes as Figure 2 says, at once") {
  Cluster c(3);
  elect_after_start(c, N(1));
  c.network().clear();
  const RequestVote ask{T(2), N(3), c.raft(N(3)).last_log_index(), c.raft(N(3)).log_term(c.raft(N(3)).last_log_index())};
  c.deliver(Envelope{N(3), N(2), ask});
  CHECK(c.raft(N(2)).voted_for() == N(3));
}

TEST_CASE("6.4.1: a restarted node grants no vote within election_timeout_min of its start, since it forgot whom it heard") {
  Config config = make_config(2, 3);
  with_leases(config);
  Raft r(config, DurableState{});
  Output out;
  r.advance_clock(raft::LocalTime(1'000'000));
  r.start(out);
  r.advance_clock(raft::LocalTime(1'000'000 + kMinUs - 1));
  Output early;
  r.step(Envelope{N(3), N(2), RequestVote{T(1), N(3), I(0), T(0)}}, early);
  for (const PersistRequest& p : early.persist) r.on_persisted(p.token, early);
  auto replies = messages_of<RequestVoteReply>(early);
  REQUIRE(replies.size() == 1);
  CHECK(!replies[0].vote_granted);
  CHECK(r.term() == T(1));  // the term is adopted (Figure 2), only the vote is withheld
  r.advance_clock(raft::LocalTime(1'000'000 + kMinUs));
  Output later;
  r.step(Envelope{N(3), N(2), RequestVote{T(1), N(3), I(0), T(0)}}, later);
  for (const PersistRequest& p : later.persist) r.on_persisted(p.token, later);
  replies = messages_of<RequestVoteReply>(later);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].vote_granted);
  r.check_invariants();
}

TEST_CASE("3.10 with 6.4.1: a transfer's RequestVote is granted within the timeout, and the leader gives up its lease") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));
  c.client(N(1), get("x", 7, 1));
  REQUIRE(replies_to(c.node(N(1)), 1).size() == 1);  // leased
  transfer(c, N(1), N(3));  // node 3 is up to date: TimeoutNow at once
  c.deliver_all();
  CHECK(c.leaders() == std::vector<NodeId>{N(3)});  // no clock moved: the votes came within the timeout
  CHECK(c.raft(N(3)).term() == T(2));
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::lease_read).size() == 1);
  // A TimeoutNow RequestVote says so on the wire.
  Config config = make_config(2, 3);
  with_leases(config);
  Single s(config);
  const Output o = s.step(N(1), AppendEntries{T(1), N(1), I(0), T(0), {}, I(0), 0});
  (void)s.persist_all(o);
  const Output granted = s.step(N(3), RequestVote{T(2), N(3), I(0), T(0), true});
  CHECK(s.raft.term() == T(2));
  CHECK(s.raft.voted_for() == N(3));
  (void)granted;
}

TEST_CASE("6.4.1: a leader that sent TimeoutNow reads no more under its lease, even once the transfer is abandoned") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));
  c.drop = [](const Envelope& e) { return std::holds_alternative<raft::TimeoutNow>(e.message); };  // lost
  transfer(c, N(1), N(2));
  c.deliver_all();
  for (int i = 0; i < 3; ++i) c.heartbeat(N(1));  // an election timeout of heartbeats: abandoned
  REQUIRE(c.raft(N(1)).role() == Role::leader);
  REQUIRE(of_kind(c.node(N(1)).observations, Observation::Kind::transfer_abandoned).size() == 1);
  c.client(N(1), get("x", 7, 1));
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::lease_read).empty());
  c.deliver_all();
  CHECK(replies_to(c.node(N(1)), 1).size() == 1);  // through the log
  c.check_all_invariants();
}

TEST_CASE("planted bug lease-without-drift-bound: the lease lasts the whole minimum election timeout") {
  Cluster c(3, [](Config& cfg) {
    with_leases(cfg);
    cfg.bugs.set(raft::Bug::lease_without_drift_bound);
  });
  elect_after_start(c, N(1));
  c.node(N(1)).clock_us = 2 * kMinUs - 1;  // past min / 1.5, within min
  c.client(N(1), get("x", 7, 1));
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::lease_read).size() == 1);
}

TEST_CASE("planted bug vote-during-lease: a follower votes within the minimum election timeout of hearing from the leader") {
  Cluster c(3, [](Config& cfg) {
    with_leases(cfg);
    cfg.bugs.set(raft::Bug::vote_during_lease);
  });
  elect_after_start(c, N(1));
  c.network().clear();
  c.deliver(Envelope{N(3), N(2), RequestVote{T(2), N(3), c.raft(N(3)).last_log_index(), T(1)}});
  CHECK(c.raft(N(2)).term() == T(2));
  CHECK(c.raft(N(2)).voted_for() == N(3));
}

TEST_CASE("6.4.1: a follower that moved to a higher term without a leader still votes for no one within the timeout") {
  Cluster c(3, with_leases);
  elect_after_start(c, N(1));
  c.network().clear();
  // A stale vote reply of term 2 moves node 2 to term 2 (5.1) right after it heard from node 1's term 1.
  c.deliver(Envelope{N(3), N(2), RequestVoteReply{T(2), false}});
  REQUIRE(c.raft(N(2)).term() == T(2));
  c.network().clear();
  const RequestVote ask{T(2), N(3), c.raft(N(3)).last_log_index(), T(1)};
  c.deliver(Envelope{N(3), N(2), ask});
  CHECK(!c.raft(N(2)).voted_for().has_value());
  const auto refused = messages_of_network<RequestVoteReply>(c.network());
  REQUIRE(refused.size() == 1);
  CHECK(!refused[0].vote_granted);
  c.network().clear();
  c.node(N(2)).clock_us = 2 * kMinUs;  // a minimum election timeout after it heard from node 1
  c.deliver(Envelope{N(3), N(2), ask});
  CHECK(c.raft(N(2)).voted_for() == N(3));
}

TEST_CASE("reads_clock: only lease reads and membership changes read the node's clock") {
  // A host may skip advance_clock when reads_clock() is false (the reference adapter does): every read of the
  // clock must be behind one of the two features.
  Config plain = make_config(1, 3);
  CHECK_FALSE(Raft(plain, DurableState{}).reads_clock());
  Config leases = make_config(1, 3);
  with_leases(leases);
  CHECK(Raft(leases, DurableState{}).reads_clock());
  Config membership = make_config(1, 3);
  membership.membership = true;
  CHECK(Raft(membership, DurableState{}).reads_clock());
}
