// Ongaro's thesis 6.4: ReadIndex reads, answered without a log entry. Steps: (1) the leader's commit index
// is the read index once it committed an entry of its term; (3) a heartbeat round begun after the read
// arrived and acknowledged by a majority confirms it is still the leader; (4) it answers once the state
// machine reached the read index.
#include <catch2/catch.hpp>

#include "harness.h"

using namespace raft_test;

namespace {

void with_read_index(Config& c) { c.read_index = true; }

std::vector<ClientReply> replies_to(const Node& n, std::uint64_t request) {
  std::vector<ClientReply> result;
  for (const ClientReply& r : n.replies) {
    if (r.request_id == request) result.push_back(r);
  }
  return result;
}

std::size_t appends_in(const std::deque<Envelope>& network) {
  return static_cast<std::size_t>(std::count_if(network.begin(), network.end(), [](const Envelope& e) {
    return std::holds_alternative<AppendEntries>(e.message);
  }));
}

}  // namespace

TEST_CASE("6.4: a read is answered after a heartbeat round, with no log entry, and the value written before") {
  Cluster c(3, with_read_index);
  c.elect(N(1));
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();
  const LogIndex last = c.raft(N(1)).last_log_index();
  c.client(N(1), get("x", 7, 2));
  CHECK(replies_to(c.node(N(1)), 2).empty());  // not before a majority confirmed the leadership
  CHECK(appends_in(c.network()) == 2);         // the round: one AppendEntries per peer
  c.deliver_all();
  const auto replies = replies_to(c.node(N(1)), 2);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == ReplyStatus::ok);
  CHECK(replies[0].value == "1");
  CHECK(replies[0].index == I(0));  // in no log entry
  CHECK(c.raft(N(1)).last_log_index() == last);
  const auto served = of_kind(c.node(N(1)).observations, Observation::Kind::read_served);
  REQUIRE(served.size() == 1);
  CHECK(served[0].a == c.raft(N(1)).commit_index().value);
  CHECK(served[0].b == c.raft(N(1)).term().value);
  CHECK(served[0].c == 2);
  c.check_all_invariants();
}

TEST_CASE("6.4 step 3: without replies from a majority the read waits, and a deposed leader does not answer it") {
  Cluster c(3, with_read_index);
  c.elect(N(1));
  c.drop = [](const Envelope& e) { return e.from == N(1); };  // the leader is cut off
  c.client(N(1), get("x", 7, 1));
  c.deliver_all();
  CHECK(replies_to(c.node(N(1)), 1).empty());
  // A new leader is elected by the others; the old one learns of the new term and steps down.
  c.drop = nullptr;
  c.elect(N(2));
  c.heartbeat(N(2));
  CHECK(c.raft(N(1)).role() == Role::follower);
  const auto replies = replies_to(c.node(N(1)), 1);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == ReplyStatus::not_leader);  // definitely not performed: the client may retry
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::read_served).empty());
  c.check_all_invariants();
}

TEST_CASE("6.4 step 3: a reply to a heartbeat sent before the read arrived does not confirm it") {
  Cluster c(3, with_read_index);
  c.elect(N(1));
  c.fire(N(1), TimerKind::heartbeat);  // a round of plain heartbeats in flight
  std::deque<Envelope> old_heartbeats = c.network();
  c.network().clear();
  c.client(N(1), get("x", 7, 1));
  c.network().clear();  // the read's own round is lost
  for (const Envelope& e : old_heartbeats) c.deliver(e);
  c.deliver_all();  // the replies to the old heartbeats
  CHECK(replies_to(c.node(N(1)), 1).empty());
  c.heartbeat(N(1));  // the next heartbeat carries the read's round
  REQUIRE(replies_to(c.node(N(1)), 1).size() == 1);
  CHECK(replies_to(c.node(N(1)), 1)[0].status == ReplyStatus::ok);
}

// Node 2 becomes leader of term 2 with its no-op's AppendEntries lost, then gets read request 1: its round
// goes out. Returns with the round's two AppendEntries in the network.
static void new_leader_gets_read(Cluster& c) {
  c.elect(N(1));
  c.client(N(1), put("x", "1", 7, 1));
  c.deliver_all();  // committed in term 1
  c.drop = [](const Envelope& e) { return e.from == N(2) && std::holds_alternative<AppendEntries>(e.message); };
  c.elect(N(2));
  REQUIRE(c.raft(N(2)).role() == Role::leader);
  c.drop = nullptr;
  c.client(N(2), get("x", 7, 2));
  REQUIRE(appends_in(c.network()) == 2);
}

TEST_CASE("6.4 step 1: a new leader answers reads only after it committed an entry of its term") {
  Cluster c(3, with_read_index);
  new_leader_gets_read(c);
  // The probes carrying the no-op were lost; the round is an empty AppendEntries at the known match.
  c.deliver(c.network().front());  // the round reaches node 1 (which lacks the no-op)
  c.network().pop_front();
  c.deliver(c.network().back());   // its reply confirms the round: a majority with the leader
  c.network().pop_back();
  CHECK(c.raft(N(2)).commit_index().value < c.raft(N(2)).last_log_index().value);
  CHECK(replies_to(c.node(N(2)), 2).empty());  // the read index is not known yet
  c.deliver_all();  // the round's replies resume the probes: the no-op is resent and commits
  REQUIRE(replies_to(c.node(N(2)), 2).size() == 1);
  CHECK(replies_to(c.node(N(2)), 2)[0].value == "1");
  const auto served = of_kind(c.node(N(2)).observations, Observation::Kind::read_served);
  REQUIRE(served.size() == 1);
  CHECK(served[0].b == 2);
  CHECK(c.raft(N(2)).log_term(I(served[0].a)) == T(2));
  c.check_all_invariants();
}

TEST_CASE("6.4: with read_index off a get goes through the log as before") {
  Cluster c(3);
  c.elect(N(1));
  const LogIndex before = c.raft(N(1)).last_log_index();
  c.client(N(1), get("x", 7, 1));
  CHECK(c.raft(N(1)).last_log_index() == before.next());
  c.deliver_all();
  REQUIRE(replies_to(c.node(N(1)), 1).size() == 1);
  CHECK(replies_to(c.node(N(1)), 1)[0].index == before.next());
  CHECK(of_kind(c.node(N(1)).observations, Observation::Kind::read_served).empty());
}

TEST_CASE("6.4: the planted bugs skip step 3 (answer at once) and step 1 (read index of an earlier term)") {
  SECTION("read-without-quorum-check") {
    Cluster c(3, [](Config& config) {
      config.read_index = true;
      config.bugs.mask = 1U << static_cast<unsigned>(raft::Bug::read_without_quorum_check);
    });
    c.elect(N(1));
    c.drop = [](const Envelope& e) { return e.from == N(1); };
    c.client(N(1), get("x", 7, 1));
    REQUIRE(replies_to(c.node(N(1)), 1).size() == 1);  // answered with no round at all
    CHECK(c.network().empty());
  }
  SECTION("read-before-term-commit") {
    Cluster c(3, [](Config& config) {
      config.read_index = true;
      config.bugs.mask = 1U << static_cast<unsigned>(raft::Bug::read_before_term_commit);
    });
    new_leader_gets_read(c);
    c.deliver(c.network().front());
    c.network().pop_front();
    c.deliver(c.network().back());
    c.network().pop_back();
    REQUIRE(replies_to(c.node(N(2)), 2).size() == 1);  // before its no-op committed
    const auto served = of_kind(c.node(N(2)).observations, Observation::Kind::read_served);
    REQUIRE(served.size() == 1);
    CHECK(c.raft(N(2)).log_term(I(served[0].a)) == T(1));
  }
}
