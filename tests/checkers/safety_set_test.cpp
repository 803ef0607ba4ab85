// The safety checkers beyond the first three: each fires on a hand-made violating event sequence and
// stays silent on a legal one (Raft paper, Figure 3; Figure 2 for persistence).
#include <catch2/catch.hpp>

#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "checkers/durability.h"
#include "checkers/leader_completeness.h"
#include "checkers/liveness.h"
#include "checkers/node_monotonic.h"
#include "tests/checkers/event_feed.h"
#include "tests/support/test_draw.h"

namespace {

using sim::EventKind;

using checker_test::Ev;
using checker_test::feed;

constexpr std::uint64_t kLeader = 2;
constexpr std::uint64_t kFollower = 0;

bool mentions(const checkers::Violation& v, const std::string& s) { return v.message.find(s) != std::string::npos; }

}  // namespace

TEST_CASE("Leader Completeness (Fig. 3): a leader elected without a committed entry is a violation") {
  checkers::LeaderCompleteness c;
  const auto v = feed(c, {{EventKind::log_append, 0, 1, 1, 0xA},
                          {EventKind::log_append, 1, 1, 1, 0xA},
                          {EventKind::commit, 0, 1},
                          {EventKind::log_append, 2, 1, 2, 0xB},  // node 2 has another entry at index 1
                          {EventKind::role, 2, kLeader, 3}});
  REQUIRE(v);
  CHECK(v->checker == "leader-completeness");
  CHECK(v->nodes == std::vector<std::int32_t>{0, 2});
  CHECK(mentions(*v, "without committed index 1"));
}

TEST_CASE("Leader Completeness (Fig. 3): leaders holding every committed entry are silent") {
  checkers::LeaderCompleteness c;
  const auto v = feed(c, {{EventKind::log_append, 0, 1, 1, 0xA},
                          {EventKind::log_append, 1, 1, 1, 0xA},
                          {EventKind::log_append, 1, 2, 1, 0xC},  // uncommitted extra entry
                          {EventKind::commit, 0, 1},
                          {EventKind::role, 1, kLeader, 2},
                          {EventKind::crash, 0},
                          {EventKind::log_append, 0, 1, 1, 0xA, -1, 2},  // restarted, log reloaded
                          {EventKind::role, 0, kLeader, 3, 0, -1, 2}});
  CHECK_FALSE(v);
}

TEST_CASE("Leader Completeness (5.4): only leaders of terms above the commit's term must hold it") {
  // Node 0 commits index 1 in term 5. Node 2, elected late in the older term 4 (its vote replies were
  // delayed), lacks it: legal, a leader of term 4 can commit nothing. A leader of term 6 lacking it is not.
  const std::initializer_list<Ev> before = {{EventKind::role, 0, kLeader, 5},
                                            {EventKind::log_append, 0, 1, 5, 0xA},
                                            {EventKind::log_append, 1, 1, 5, 0xA},
                                            {EventKind::commit, 0, 1},
                                            {EventKind::log_append, 2, 1, 3, 0xB}};
  checkers::LeaderCompleteness older;
  CHECK_FALSE(feed(older, before));
  CHECK_FALSE(feed(older, {{EventKind::role, 2, kLeader, 4}}));
  checkers::LeaderCompleteness newer;
  CHECK_FALSE(feed(newer, before));
  const auto v = feed(newer, {{EventKind::role, 2, kLeader, 6}});
  REQUIRE(v);
  CHECK(mentions(*v, "leader of term 6 without committed index 1"));
  // A follower's commit counts in the follower's term: committed in term 5 binds the leader of term 6.
  checkers::LeaderCompleteness follower;
  CHECK_FALSE(feed(follower, {{EventKind::role, 1, kFollower, 5},
                              {EventKind::log_append, 1, 1, 5, 0xA},
                              {EventKind::commit, 1, 1},
                              {EventKind::log_append, 2, 1, 3, 0xB}}));
  CHECK(feed(follower, {{EventKind::role, 2, kLeader, 6}}));
}

TEST_CASE("Leader Completeness: committing beyond one's own log is a violation") {
  checkers::LeaderCompleteness c;
  const auto v = feed(c, {{EventKind::log_append, 0, 1, 1, 0xA}, {EventKind::commit, 0, 2}});
  REQUIRE(v);
  CHECK(mentions(*v, "committed index 2 but its log ends at 1"));
}

TEST_CASE("Leader Append-Only (Fig. 3): a leader that deletes entries is a violation, a follower may") {
  checkers::LeaderAppendOnly c;
  CHECK_FALSE(feed(c, {{EventKind::role, 1, kFollower, 1}, {EventKind::log_truncate, 1, 3}}));
  const auto v = feed(c, {{EventKind::role, 0, kLeader, 4}, {EventKind::log_truncate, 0, 2}});
  REQUIRE(v);
  CHECK(v->checker == "leader-append-only");
  CHECK(mentions(*v, "leader of term 4"));
  checkers::LeaderAppendOnly after_crash;
  CHECK_FALSE(feed(after_crash, {{EventKind::role, 0, kLeader, 4}, {EventKind::crash, 0}, {EventKind::log_truncate, 0, 2}}));
}

TEST_CASE("monotonic term (5.1): a term going back while running is a violation") {
  checkers::MonotonicTerm c;
  const auto v = feed(c, {{EventKind::role, 0, kFollower, 3}, {EventKind::role, 0, kFollower, 2}});
  REQUIRE(v);
  CHECK(v->checker == "monotonic-term");
  CHECK(mentions(*v, "from term 3 back to term 2"));
}

TEST_CASE("monotonic term (Fig. 2): restarting below a term already used on a message is a violation") {
  checkers::MonotonicTerm c;
  const auto v = feed(c, {{EventKind::role, 0, kFollower, 1},
                          {EventKind::role, 0, 1, 5},  // candidate in term 5
                          {EventKind::send, 0, 5, 0, 0, 1},
                          {EventKind::crash, 0},
                          {EventKind::role, 0, kFollower, 4, 0, -1, 2}});
  REQUIRE(v);
  CHECK(mentions(*v, "restarted in term 4"));
  CHECK(mentions(*v, "term 5"));
}

TEST_CASE("monotonic term: a restart at an unused volatile term, and ordinary growth, are silent") {
  checkers::MonotonicTerm c;
  CHECK_FALSE(feed(c, {{EventKind::role, 0, kFollower, 1},
                       {EventKind::send, 0, 1, 0, 0, 1},
                       {EventKind::role, 0, 1, 2},  // term 2 never made it onto a message
                       {EventKind::crash, 0},
                       {EventKind::role, 0, kFollower, 1, 0, -1, 2},
                       {EventKind::role, 0, kFollower, 7, 0, -1, 2}}));
}

TEST_CASE("monotonic commit: the commit index never goes back while a node runs") {
  checkers::MonotonicCommit c;
  const auto v = feed(c, {{EventKind::commit, 1, 5}, {EventKind::commit, 1, 4}});
  REQUIRE(v);
  CHECK(v->checker == "monotonic-commit");
  checkers::MonotonicCommit ok;
  CHECK_FALSE(feed(ok, {{EventKind::commit, 1, 5}, {EventKind::crash, 1}, {EventKind::commit, 1, 2, 0, 0, -1, 2}}));
}

TEST_CASE("durability: an acknowledged write missing from a majority at the end is a violation") {
  checkers::Durability c;
  CHECK_FALSE(feed(c, {{EventKind::role, 0, kLeader, 1},
                       {EventKind::role, 1, kFollower, 1},
                       {EventKind::role, 2, kFollower, 1},
                       {EventKind::log_append, 0, 1, 1, 0xA},
                       {EventKind::client_ok, -1, 42, 1, 1, 0},
                       {EventKind::crash, 0},
                       {EventKind::restart, 0, 2, 0, 0, -1, 2}}));  // restarted with an empty log
  const auto v = c.finish(1000);
  REQUIRE(v);
  CHECK(v->checker == "durability");
  CHECK(mentions(*v, "operation 42"));
  CHECK(mentions(*v, "only 0 of 3 nodes"));
}

TEST_CASE("durability: a write on a majority is durable, and runs ending with a node down are not judged") {
  checkers::Durability held;
  feed(held, {{EventKind::log_append, 0, 1, 1, 0xA},
              {EventKind::log_append, 1, 1, 1, 0xA},
              {EventKind::role, 2, kFollower, 1},
              {EventKind::client_ok, -1, 7, 1, 1, 0},
              {EventKind::phase, -1, 1}});
  CHECK_FALSE(held.finish(1000));
  checkers::Durability unjudged;
  feed(unjudged, {{EventKind::role, 0, kFollower, 1}, {EventKind::client_ok, -1, 7, 1, 1, 0}, {EventKind::crash, 0}});
  CHECK_FALSE(unjudged.finish(1000));
  checkers::Durability judged;  // the same, with the node running at the end
  feed(judged, {{EventKind::role, 0, kFollower, 1}, {EventKind::client_ok, -1, 7, 1, 1, 0}});
  CHECK(judged.finish(1000));
}

TEST_CASE("dead incarnation: a crashed node that acts, or an old incarnation acting, is a violation") {
  checkers::DeadIncarnation c;
  const auto v = feed(c, {{EventKind::role, 0, kFollower, 1}, {EventKind::crash, 0}, {EventKind::send, 0, 1, 0, 0, 1}});
  REQUIRE(v);
  CHECK(v->checker == "dead-incarnation");
  CHECK(mentions(*v, "node 0 is crashed"));
  checkers::DeadIncarnation old;
  const auto w = feed(old, {{EventKind::role, 0, kFollower, 1},
                            {EventKind::crash, 0},
                            {EventKind::restart, 0, 2, 0, 0, -1, 2},
                            {EventKind::timer_fired, 0, 0, 0, 0, -1, 1}});
  REQUIRE(w);
  CHECK(mentions(*w, "incarnation 1"));
  checkers::DeadIncarnation delivered_to_dead;
  CHECK(feed(delivered_to_dead, {{EventKind::crash, 1}, {EventKind::deliver, 0, 1, 0, 0, 1}}));
}

TEST_CASE("dead incarnation: restart as a new incarnation, and messages from a crashed sender, are silent") {
  checkers::DeadIncarnation c;
  CHECK_FALSE(feed(c, {{EventKind::role, 0, kFollower, 1},
                       {EventKind::send, 0, 1, 0, 0, 1},
                       {EventKind::crash, 0},
                       {EventKind::deliver, 0, 1, 0, 0, 1},  // from the dead sender to the live node 1
                       {EventKind::restart, 0, 2, 0, 0, -1, 2},
                       {EventKind::role, 0, kFollower, 1, 0, -1, 2},
                       {EventKind::send, 0, 1, 0, 0, 1, 2}}));
}

TEST_CASE("liveness: no leader within the deadline after the heal is a violation") {
  checkers::Liveness c;
  CHECK_FALSE(feed(c, {{EventKind::role, 0, 1, 4},                 // a candidate in term 4
                       {EventKind::send, 0, 4, 0, 0, 1},            // its RequestVote went out
                       {EventKind::phase, -1, 1, 100},              // healed at t=30, deadline 100us
                       {EventKind::role, 1, kLeader, 3},            // a leader, but of an older term
                       {EventKind::client_invoke, -1, 5},
                       {EventKind::client_ok, -1, 5}}));
  const auto v = c.finish(1000);
  REQUIRE(v);
  CHECK(v->severity == checkers::Severity::liveness);
  CHECK(mentions(*v, "no leader in the highest term"));
}

TEST_CASE("liveness: a leader in the highest term on the network meets the deadline, unsent terms do not count") {
  checkers::Liveness c;
  CHECK_FALSE(feed(c, {{EventKind::role, 1, kLeader, 3},
                       {EventKind::send, 1, 3, 0, 0, 0},
                       {EventKind::role, 0, 1, 9},  // a candidate whose term never left its disk queue
                       {EventKind::phase, -1, 1, 100},
                       {EventKind::client_invoke, -1, 5},
                       {EventKind::client_ok, -1, 5}}));
  CHECK_FALSE(c.finish(1000));
}

TEST_CASE("liveness: terms sent by a node whose removal then committed do not count (thesis 4.2.3)") {
  // Node 2 campaigned in term 4 while still a voter; the leader of term 3 then committed its removal.
  auto stream = [](bool removal_committed) {
    checkers::Liveness c;
    const std::uint64_t commit_index = removal_committed ? 5 : 4;
    auto v = feed(c, {{EventKind::membership, 0, 7, 0, 0},
                      {EventKind::membership, 1, 7, 0, 0},
                      {EventKind::membership, 2, 7, 0, 0},
                      {EventKind::role, 0, kLeader, 3},
                      {EventKind::send, 2, 4, 0, 0, 1},  // RequestVote of term 4
                      {EventKind::membership, 0, 3, 0, 5},
                      {EventKind::membership, 1, 3, 0, 5},
                      {EventKind::commit, 0, commit_index},
                      {EventKind::phase, -1, 1, 10'000},
                      {EventKind::client_invoke, -1, 5},
                      {EventKind::client_ok, -1, 5}});
    if (!v) v = c.finish(20'000);
    return v;
  };
  CHECK_FALSE(stream(true));
  const auto v = stream(false);
  REQUIRE(v);
  CHECK(mentions(*v, "no leader in the highest term"));
  // The removal commits only after the heal: the leader counts from that commit on, within the deadline.
  checkers::Liveness late;
  CHECK_FALSE(feed(late, {{EventKind::membership, 0, 7, 0, 0},
                          {EventKind::membership, 1, 7, 0, 0},
                          {EventKind::membership, 2, 7, 0, 0},
                          {EventKind::role, 0, kLeader, 3},
                          {EventKind::send, 2, 4, 0, 0, 1},
                          {EventKind::phase, -1, 1, 10'000},
                          {EventKind::membership, 0, 3, 0, 5},
                          {EventKind::membership, 1, 3, 0, 5},
                          {EventKind::commit, 0, 5},
                          {EventKind::client_invoke, -1, 5},
                          {EventKind::client_ok, -1, 5}}));
  CHECK_FALSE(late.finish(20'000));
}

namespace {

// DeadIncarnation's rule without its inline table (live_): per node, running or not and its incarnation
// (0 until its first act). Returns the node a violation names, if the event is one.
struct DeadIncarnationModel {
  std::vector<std::pair<bool, std::uint32_t>> nodes;  // (alive, incarnation)
  std::optional<std::int32_t> observe(const sim::TraceEvent& e) {
    const bool act = e.kind != EventKind::crash && e.kind != EventKind::restart;
    const std::int32_t node = e.kind == EventKind::deliver ? e.peer : e.node;
    if (node < 0) return std::nullopt;
    const auto n = static_cast<std::size_t>(node);
    if (n >= nodes.size()) nodes.resize(n + 1, {true, 0});
    auto& [alive, incarnation] = nodes[n];
    if (e.kind == EventKind::restart) {
      if (alive || e.a <= incarnation) return node;
      alive = true;
      incarnation = static_cast<std::uint32_t>(e.a);
      return std::nullopt;
    }
    if (!alive) return node;  // an act, or a second crash
    if (incarnation == 0) incarnation = e.incarnation;
    if (e.incarnation != incarnation) return node;  // (a crash too carries the incarnation it ends)
    if (!act) alive = false;
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("dead incarnation: its inline table agrees with the rule on generated streams of crashes and restarts") {
  // Crashes, restarts (sometimes to an old incarnation), acts of current, old and unseen incarnations
  // (0 included) at nodes seen and not yet seen: the first violation at the same event, naming the same node.
  std::size_t violations = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    test_support::Draw d{seed};
    checkers::DeadIncarnation c;
    DeadIncarnationModel model;
    std::vector<std::uint32_t> incarnation(4, 1);
    for (int k = 0; k < 400; ++k) {
      sim::TraceEvent e;
      e.time_us = k;
      const auto node = static_cast<std::int32_t>(d.below(4));
      const std::uint64_t pick = d.below(100);
      e.node = node;
      if (pick < 4) {
        e.kind = EventKind::crash;
        e.incarnation = d.chance(950) ? incarnation[static_cast<std::size_t>(node)] : 0;
      } else if (pick < 8) {
        e.kind = EventKind::restart;
        e.a = d.chance(900) ? ++incarnation[static_cast<std::size_t>(node)] : d.below(3);
      } else {
        constexpr EventKind kActs[] = {EventKind::send, EventKind::deliver, EventKind::disk_write, EventKind::commit,
                                       EventKind::apply, EventKind::timer_fired};
        e.kind = kActs[d.below(6)];
        e.peer = static_cast<std::int32_t>(d.below(4));
        const std::int32_t actor = e.kind == EventKind::deliver ? e.peer : node;
        e.incarnation = d.chance(950) ? incarnation[static_cast<std::size_t>(actor)] : static_cast<std::uint32_t>(d.below(3));
      }
      const std::optional<checkers::Violation> v = c.observe(e);
      const std::optional<std::int32_t> expected = model.observe(e);
      INFO("seed " << seed << ", event " << k);
      REQUIRE(v.has_value() == expected.has_value());
      if (v) {
        CHECK(v->nodes == std::vector<std::int32_t>{*expected});
        ++violations;
        break;
      }
    }
  }
  CHECK(violations > 100);
}
