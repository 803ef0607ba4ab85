// Ongaro's thesis chapter 4: membership changes, one server at a time (4.1), with Ongaro's 2015 correction
// (a leader commits an entry of its own term before it proposes a change), learners that catch up before
// they vote (4.2.1), a leader that removes itself (4.2.2), and removed servers that must not disrupt the
// cluster (4.2.3). raft/membership.h says why single-server changes and not joint consensus.
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;
using raft::ConfChange;
using raft::ConfChangeKind;
using raft::Membership;

namespace {

// Nodes 1..3 form the initial configuration; every node above 3 is a spare outside it.
void three_voters(Config& c) {
  c.members = {N(1), N(2), N(3)};
  c.membership = true;
}

void change(Cluster& c, NodeId leader, ConfChangeKind kind, std::uint32_t node) {
  Output out;
  c.raft(leader).on_membership_change(ConfChange{kind, N(node)}, out);
  c.handle(leader, out);
}

std::vector<NodeId> ids(std::initializer_list<std::uint32_t> list) {
  std::vector<NodeId> out;
  for (std::uint32_t n : list) out.push_back(N(n));
  return out;
}

std::size_t config_entries(const Raft& r) {
  return static_cast<std::size_t>(std::count_if(r.log().begin(), r.log().end(),
                                                [](const Entry& e) { return e.command().op == OpKind::config; }));
}

bool any_request_vote(const std::deque<Envelope>& network) {
  return std::any_of(network.begin(), network.end(),
                     [](const Envelope& e) { return std::holds_alternative<RequestVote>(e.message); });
}

}  // namespace

TEST_CASE("4.1: apply_change adds, promotes and removes one server and refuses what does not apply") {
  const Membership m{ids({1, 2, 3}), {}};
  const auto added = raft::apply_change(m, ConfChange{ConfChangeKind::add_learner, N(4)});
  REQUIRE(added.has_value());
  CHECK(added->learners == ids({4}));
  CHECK(added->quorum() == 2);  // a learner is no voter
  const auto promoted = raft::apply_change(*added, ConfChange{ConfChangeKind::promote, N(4)});
  REQUIRE(promoted.has_value());
  CHECK(promoted->voters == ids({1, 2, 3, 4}));
  CHECK(promoted->quorum() == 3);
  CHECK_FALSE(raft::apply_change(m, ConfChange{ConfChangeKind::add_learner, N(2)}).has_value());  // already in
  CHECK_FALSE(raft::apply_change(m, ConfChange{ConfChangeKind::promote, N(2)}).has_value());      // not a learner
  CHECK_FALSE(raft::apply_change(m, ConfChange{ConfChangeKind::remove, N(9)}).has_value());       // not in
  CHECK_FALSE(raft::apply_change(Membership{ids({1}), {}}, ConfChange{ConfChangeKind::remove, N(1)}).has_value());
  const auto text = raft::encode_membership(*added);
  CHECK(text == "v=1,2,3;l=4");
  CHECK(raft::decode_membership(text) == added);
  CHECK_FALSE(raft::decode_membership("v=2,1;l=").has_value());  // not sorted
  CHECK_FALSE(raft::decode_membership("v=1;l=1").has_value());   // voter and learner
}

TEST_CASE("4.2.1: a spare is added as a learner, catches up, is promoted, and never stood for election before") {
  Cluster c(4, three_voters);
  // A spare outside the configuration never stands.
  c.fire(N(4), TimerKind::election);
  CHECK(c.raft(N(4)).role() == Role::follower);
  CHECK_FALSE(any_request_vote(c.network()));
  c.elect(N(1));
  REQUIRE(c.leaders() == ids({1}));
  for (int k = 0; k < 5; ++k) c.client(N(1), put("k", std::to_string(k), 7, static_cast<std::uint64_t>(k + 1)));
  c.deliver_all();
  c.drop = [](const Envelope& e) { return e.to == N(4); };  // the learner hears nothing for now
  change(c, N(1), ConfChangeKind::add_learner, 4);
  // In force at the leader as soon as appended (thesis 4.1), and not counted in any majority.
  CHECK(c.raft(N(1)).membership().learners == ids({4}));
  CHECK(c.raft(N(1)).membership().voters == ids({1, 2, 3}));
  c.deliver_all();
  c.heartbeat(N(1));
  // Committed by the voters alone, and not promoted while it has nothing.
  CHECK(c.raft(N(1)).commit_index() == c.raft(N(1)).last_log_index());
  CHECK(c.raft(N(1)).membership().learners == ids({4}));
  // A learner that learned it is one still never stands.
  c.drop = nullptr;
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  CHECK(c.raft(N(1)).membership().voters == ids({1, 2, 3, 4}));  // caught up: promoted
  CHECK(c.raft(N(4)).membership().voters == ids({1, 2, 3, 4}));
  CHECK(c.raft(N(4)).state_machine().get("k") == "4");
  CHECK(config_entries(c.raft(N(1))) == 2);  // add-learner, promote
  c.check_all_invariants();
}

TEST_CASE("4.2.1: a learner never stands for election and its vote never counts") {
  Cluster c(4, three_voters);
  c.elect(N(1));
  // The learner receives everything, but its replies are lost: the leader never sees it caught up.
  c.drop = [](const Envelope& e) {
    const auto* reply = std::get_if<AppendEntriesReply>(&e.message);
    return e.from == N(4) && reply != nullptr && reply->success;
  };
  change(c, N(1), ConfChangeKind::add_learner, 4);
  c.deliver_all();
  c.heartbeat(N(1));
  const Membership& at4 = c.raft(N(4)).membership();
  REQUIRE(at4.is_learner(N(4)));
  c.fire(N(4), TimerKind::election);
  CHECK(c.raft(N(4)).role() == Role::follower);
  CHECK_FALSE(any_request_vote(c.network()));
  c.check_all_invariants();
}

TEST_CASE("4.1: a learner's acknowledgement never completes a majority") {
  Cluster c(4, three_voters);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(4); };
  change(c, N(1), ConfChangeKind::add_learner, 4);
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(1)).membership().learners == ids({4}));
  c.drop = [](const Envelope& e) { return e.to == N(2) || e.to == N(3); };  // only the learner hears the leader
  const LogIndex commit = c.raft(N(1)).commit_index();
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();
  c.heartbeat(N(1));
  CHECK(c.raft(N(4)).last_log_index() == c.raft(N(1)).last_log_index());
  CHECK(c.raft(N(1)).commit_index() == commit);  // the leader and a learner are 1 voter of 3
}

TEST_CASE("4.1 (Ongaro 2015): a new leader proposes no change before it committed an entry of its own term") {
  Cluster c(4, three_voters);
  c.drop = [](const Envelope& e) { return std::holds_alternative<AppendEntries>(e.message); };
  c.elect(N(1));
  REQUIRE(c.leaders() == ids({1}));
  REQUIRE(c.raft(N(1)).commit_index() == I(0));  // its no-op is not committed
  change(c, N(1), ConfChangeKind::add_learner, 4);
  CHECK(config_entries(c.raft(N(1))) == 0);
  CHECK(c.raft(N(1)).membership().learners.empty());
  c.drop = nullptr;
  c.heartbeat(N(1));  // the no-op commits; the queued change goes out after it (then the promotion)
  CHECK(config_entries(c.raft(N(1))) >= 1);
  CHECK(c.raft(N(1)).log()[0].command().op == OpKind::noop);
  CHECK(c.raft(N(1)).membership().contains(N(4)));
  c.check_all_invariants();
}

TEST_CASE("4.1: at most one uncommitted configuration change in the leader's log") {
  Cluster c(4, three_voters);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return std::holds_alternative<AppendEntries>(e.message); };  // nothing commits
  change(c, N(1), ConfChangeKind::add_learner, 4);
  change(c, N(1), ConfChangeKind::remove, 3);
  c.deliver_all();
  CHECK(config_entries(c.raft(N(1))) == 1);
  CHECK(c.raft(N(1)).membership().voters == ids({1, 2, 3}));
  c.drop = nullptr;
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  c.heartbeat(N(1));
  // Each change waited for the previous one: add 4, promote 4 (caught up), remove 3.
  CHECK(c.raft(N(1)).membership() == Membership{ids({1, 2, 4}), {}});
  CHECK(config_entries(c.raft(N(1))) == 3);
  c.check_all_invariants();
}

TEST_CASE("4.1: a configuration is in force when appended, and after a restart, before it commits") {
  Cluster c(4, three_voters);
  c.elect(N(1));
  // Only node 2 gets the change, and the leader hears no reply: it stays uncommitted.
  c.drop = [](const Envelope& e) { return (e.from == N(1) && e.to != N(2)) || e.to == N(1); };
  change(c, N(1), ConfChangeKind::add_learner, 4);
  c.deliver_all();
  CHECK(c.raft(N(2)).membership().learners == ids({4}));  // appended, not committed: in force
  CHECK(c.raft(N(2)).commit_index() < c.raft(N(2)).last_log_index());
  c.crash(N(2));
  c.boot(N(2));
  CHECK(c.raft(N(2)).membership().learners == ids({4}));  // the last configuration in its log
  c.check_all_invariants();
}

TEST_CASE("4.1: a truncated configuration entry gives back the previous configuration") {
  Config config;
  config.id = N(2);
  config.members = ids({1, 2, 3});
  config.membership = true;
  Single s(config);
  const Entry noop(T(1), Command{});
  Command conf_command;
  conf_command.op = OpKind::config;
  conf_command.value = raft::encode_membership(Membership{ids({1, 2, 3}), ids({4})});
  const Entry conf(T(1), conf_command);
  AppendEntries a{T(1), N(1), I(0), T(0), {noop, conf}, I(0), 0};
  Output o = s.step(N(1), a);
  CHECK(s.raft.membership().learners == ids({4}));
  const auto seen = of_kind(o.observations, Observation::Kind::membership);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].a == 0b1110);  // voters 1, 2, 3
  CHECK(seen[0].b == 0b10000);  // learner 4
  CHECK(seen[0].c == 2);
  const Entry other(T(2), Command{});
  AppendEntries b{T(2), N(3), I(1), T(1), {other}, I(0), 0};
  o = s.step(N(3), b);
  CHECK(s.raft.membership() == Membership{ids({1, 2, 3}), {}});
  const auto back = of_kind(o.observations, Observation::Kind::membership);
  REQUIRE(back.size() == 1);
  CHECK(back[0].b == 0);
  CHECK(back[0].c == 0);
}

TEST_CASE("4.2.2: a leader removing itself keeps leading until the removal commits, not counting itself, then steps down") {
  Cluster c(4, three_voters);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3); };
  change(c, N(1), ConfChangeKind::remove, 1);
  CHECK(c.leaders() == ids({1}));
  CHECK_FALSE(c.raft(N(1)).membership().is_voter(N(1)));
  // Configuration {2, 3}: its majority is both; node 3 hears nothing, so nothing commits.
  c.deliver_all();
  c.heartbeat(N(1));
  CHECK(c.leaders() == ids({1}));
  CHECK(c.raft(N(1)).commit_index() < c.raft(N(1)).last_log_index());
  c.drop = nullptr;
  c.heartbeat(N(1));
  CHECK(c.raft(N(1)).role() == Role::follower);
  CHECK(c.raft(N(2)).membership().voters == ids({2, 3}));
  // It no longer stands; the others elect a leader among themselves.
  c.fire(N(1), TimerKind::election);
  CHECK(c.raft(N(1)).role() == Role::follower);
  CHECK_FALSE(any_request_vote(c.network()));
  // 4.2.3: node 3 heard from the old leader within the minimum election timeout and ignores 2's first
  // RequestVote; once that much time passed on its own clock, it answers.
  c.elect(N(2));
  CHECK(c.leaders().empty());
  c.node(N(3)).clock_us += 150'000 - 1;  // raft::Config's default minimum election timeout, not yet
  c.elect(N(2));
  CHECK(c.leaders().empty());
  c.node(N(3)).clock_us += 1;
  c.elect(N(2));
  CHECK(c.leaders() == ids({2}));
  c.check_all_invariants();
}

TEST_CASE("4.2.2: a leader deposed before its own removal committed stands again and commits it") {
  Cluster c(2, [](Config& config) {
    config.members = {N(1), N(2)};
    config.membership = true;
    config.check_quorum = true;
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(2); };
  change(c, N(1), ConfChangeKind::remove, 1);  // {1, 2} -> {2}, on node 1 only
  REQUIRE(c.raft(N(1)).membership().voters == ids({2}));
  const LogIndex removal = c.raft(N(1)).last_log_index();
  c.fire(N(1), TimerKind::election);  // CheckQuorum: node 2 was not heard from
  c.fire(N(1), TimerKind::election);
  REQUIRE(c.raft(N(1)).role() == Role::follower);
  c.drop = nullptr;
  // Node 2 (configuration {1, 2}) cannot win: node 1's log is longer. Node 1, the only holder of its
  // removal, must stand although its configuration leaves it out, or the cluster stalls for good.
  c.fire(N(2), TimerKind::election);
  c.deliver_all();
  CHECK(c.leaders().empty());
  c.fire(N(1), TimerKind::election);
  c.deliver_all();
  c.heartbeat(N(1));
  CHECK(c.raft(N(2)).membership().voters == ids({2}));
  CHECK(c.raft(N(1)).commit_index() >= removal);  // the removal committed (node 2 learns so later)
  CHECK(c.raft(N(1)).role() == Role::follower);  // and its leader stepped down (4.2.2)
  c.fire(N(2), TimerKind::election);
  c.deliver_all();
  CHECK(c.leaders() == ids({2}));
  c.check_all_invariants();
}

TEST_CASE("4.2.3: a removed server that missed its removal keeps campaigning and is ignored") {
  Cluster c(3, three_voters);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.to == N(3); };  // 3 never learns of its removal
  change(c, N(1), ConfChangeKind::remove, 3);
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(1)).membership().voters == ids({1, 2}));
  REQUIRE(c.raft(N(1)).commit_index() == c.raft(N(1)).last_log_index());
  c.drop = nullptr;
  const Term before = c.raft(N(1)).term();
  for (int round = 0; round < 3; ++round) {
    c.elect(N(3));  // it still believes it is a voter
    CHECK(c.raft(N(3)).term() > before);
    c.heartbeat(N(1));
  }
  // Neither the leader nor the follower hearing from it adopted the candidate's term.
  CHECK(c.leaders() == ids({1}));
  CHECK(c.raft(N(1)).term() == before);
  CHECK(c.raft(N(2)).term() == before);
  // Without the rule (membership off: the disruption guard is off too) the same campaign deposes the leader.
  Cluster plain(3);
  plain.elect(N(1));
  plain.fire(N(3), TimerKind::election);
  plain.deliver_all();
  CHECK(plain.raft(N(1)).role() != Role::leader);
}

TEST_CASE("4.1, 4.2.3: a voter refuses a candidate its configuration removed once it knows that configuration committed") {
  Cluster c(4, three_voters);  // node 4 is a spare, in no configuration
  c.elect(N(3));
  const bool committed = GENERATE(true, false);
  INFO((committed ? "committed" : "not committed"));
  if (!committed) c.drop = [](const Envelope& e) { return e.from == N(2); };  // node 2's acknowledgements are lost
  change(c, N(3), ConfChangeKind::remove, 1);  // {1, 2, 3} -> {2, 3}
  c.deliver_all();
  c.heartbeat(N(3));
  c.drop = nullptr;
  Raft& voter = c.raft(N(2));
  REQUIRE(voter.membership().voters == ids({2, 3}));
  REQUIRE((voter.commit_index() == voter.last_log_index()) == committed);
  // A candidate with a log as long as node 2's (a transfer's request, so the disruption guard lets it
  // through) asks node 2 for its vote in the next term; the answer is node 2's reply to it.
  auto granted = [&](std::uint32_t candidate) {
    const Term term = voter.term().next();
    c.network().clear();
    c.deliver(Envelope{N(candidate), N(2),
                       RequestVote{term, N(candidate), voter.last_log_index(), voter.log_term(voter.last_log_index()), true}});
    c.complete_persists(N(2));
    const auto reply = std::find_if(c.network().begin(), c.network().end(), [&](const Envelope& e) {
      return e.from == N(2) && e.to == N(candidate) && std::holds_alternative<RequestVoteReply>(e.message);
    });
    REQUIRE(reply != c.network().end());
    return std::get<RequestVoteReply>(reply->message).vote_granted;
  };
  // Node 1, removed: refused once the removal is known committed. Not committed (as far as node 2 knows),
  // it may hold the only copy of a change that leaves it out (may_stand), and refusing could stall the
  // cluster for good.
  CHECK(granted(1) == !committed);
  // Node 4, which neither configuration had, is answered as any candidate (thesis 4.1: a server votes for a
  // candidate outside its latest configuration; a newly added server's vote may be needed).
  CHECK(granted(4));
}

TEST_CASE("4.1: a restarted node uses the last configuration in its log, or in its snapshot") {
  Cluster c(4, [](Config& config) {
    three_voters(config);
    config.snapshot_every_entries = 4;
    config.snapshot_trailing_entries = 0;
  });
  c.elect(N(1));
  change(c, N(1), ConfChangeKind::add_learner, 4);
  c.deliver_all();
  for (int k = 0; k < 3; ++k) c.heartbeat(N(1));
  REQUIRE(c.raft(N(1)).membership().voters == ids({1, 2, 3, 4}));
  for (int k = 0; k < 12; ++k) c.client(N(1), put("k", std::to_string(k), 7, static_cast<std::uint64_t>(k + 1)));
  c.deliver_all();
  c.heartbeat(N(1));
  // The configuration entries are compacted away: only the snapshot remembers them.
  REQUIRE(c.raft(N(2)).log_base_index() > I(3));
  REQUIRE(c.node(N(2)).disk.snapshot.has_value());
  CHECK(c.node(N(2)).disk.snapshot->membership.voters == ids({1, 2, 3, 4}));
  c.crash(N(2));
  c.boot(N(2));
  CHECK(c.raft(N(2)).membership().voters == ids({1, 2, 3, 4}));
  const auto seen = of_kind(c.node(N(2)).observations, Observation::Kind::membership);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().a == 0b11110);
  c.check_all_invariants();
}

TEST_CASE("4.1 with paper 7: a new member brought up by a snapshot learns the configuration from it") {
  Cluster c(4, [](Config& config) {
    three_voters(config);
    config.snapshot_every_entries = 4;
    config.snapshot_trailing_entries = 0;
  });
  c.elect(N(1));
  for (int k = 0; k < 10; ++k) c.client(N(1), put("k", std::to_string(k), 7, static_cast<std::uint64_t>(k + 1)));
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(1)).log_base_index() > I(1));
  change(c, N(1), ConfChangeKind::add_learner, 4);
  for (int k = 0; k < 6; ++k) c.heartbeat(N(1));
  CHECK(c.raft(N(4)).snapshot_index().has_value());
  CHECK(c.raft(N(4)).membership().voters == ids({1, 2, 3, 4}));
  CHECK(c.raft(N(4)).state_machine().get("k") == "9");
  c.check_all_invariants();
}

// The planted bugs (raft/bugs.h), each at its line of raft.cpp.

TEST_CASE("4.1: BUG(change-without-own-term-commit) proposes before the leader's no-op is committed") {
  Cluster c(4, [](Config& config) {
    three_voters(config);
    config.bugs.set(raft::Bug::change_without_own_term_commit);
  });
  c.drop = [](const Envelope& e) { return std::holds_alternative<AppendEntries>(e.message); };
  c.elect(N(1));
  REQUIRE(c.raft(N(1)).commit_index() == I(0));
  change(c, N(1), ConfChangeKind::add_learner, 4);
  CHECK(config_entries(c.raft(N(1))) == 1);  // the correct leader waits (the test above)
}

TEST_CASE("4.1: BUG(two-changes-in-flight) proposes a change while the previous one is uncommitted") {
  Cluster c(4, [](Config& config) {
    three_voters(config);
    config.bugs.set(raft::Bug::two_changes_in_flight);
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return std::holds_alternative<AppendEntries>(e.message); };
  change(c, N(1), ConfChangeKind::add_learner, 4);
  change(c, N(1), ConfChangeKind::remove, 3);
  CHECK(config_entries(c.raft(N(1))) == 2);  // the correct leader holds one (the test above)
  CHECK(c.raft(N(1)).membership().voters == ids({1, 2}));
}

TEST_CASE("4.2.1: BUG(learner-counted-in-quorum) commits with the leader and a learner only") {
  Cluster c(4, [](Config& config) {
    three_voters(config);
    config.bugs.set(raft::Bug::learner_counted_in_quorum);
  });
  c.elect(N(1));
  c.drop = [](const Envelope& e) {
    const auto* reply = std::get_if<AppendEntriesReply>(&e.message);
    return e.from == N(4) && reply != nullptr && reply->success;  // never seen caught up: stays a learner
  };
  change(c, N(1), ConfChangeKind::add_learner, 4);
  c.deliver_all();
  c.heartbeat(N(1));
  REQUIRE(c.raft(N(1)).membership().learners == ids({4}));
  c.drop = [](const Envelope& e) { return e.to == N(2) || e.to == N(3); };
  const LogIndex commit = c.raft(N(1)).commit_index();
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();
  c.heartbeat(N(1));  // flow control: the learner's probe (its replies were lost) goes out again
  CHECK(c.raft(N(1)).commit_index() > commit);  // 2 of "3": the correct leader does not (the test above)
}
