// The mechanism checkers (vote_safety.h, commit_quorum.h): each fires on a hand-made stream that breaks
// its rule and stays silent on the legal streams closest to it (Raft paper 5.2, 5.3, 5.4.2).
#include <catch2/catch.hpp>

#include <initializer_list>

#include "checkers/commit_quorum.h"
#include "checkers/vote_safety.h"
#include "tests/checkers/event_feed.h"

namespace {

using sim::EventKind;

using checker_test::Ev;
using checker_test::feed;

constexpr std::uint64_t kFollower = 0;
constexpr std::uint64_t kLeader = 2;

bool mentions(const checkers::Violation& v, const std::string& s) { return v.message.find(s) != std::string::npos; }

// Five nodes announce themselves in term 1.
std::initializer_list<Ev> five_nodes() {
  static const std::initializer_list<Ev> kStart = {{EventKind::role, 0, kFollower, 1}, {EventKind::role, 1, kFollower, 1},
                                                   {EventKind::role, 2, kFollower, 1}, {EventKind::role, 3, kFollower, 1},
                                                   {EventKind::role, 4, kFollower, 1}};
  return kStart;
}

}  // namespace

TEST_CASE("single-vote (5.2): two candidates in one term from one incarnation is a violation", "[checkers]") {
  checkers::SingleVote c;
  const auto v = feed(c, {{EventKind::vote, 3, 7, 1}, {EventKind::vote, 3, 7, 2}});
  REQUIRE(v);
  CHECK(v->checker == "single-vote");
  CHECK(mentions(*v, "node 3 voted twice in term 7: for node 1"));
  CHECK(mentions(*v, "then for node 2"));
}

TEST_CASE("single-vote (5.2): repeats, new terms and a restarted incarnation are silent", "[checkers]") {
  checkers::SingleVote c;
  CHECK_FALSE(feed(c, {{EventKind::vote, 3, 7, 1},
                       {EventKind::vote, 3, 7, 1},      // the same grant again (a retried RequestVote)
                       {EventKind::vote, 3, 8, 2},      // a new term, a new vote
                       {EventKind::vote, 3, 8, 4, 0, -1, 2}}));  // after a crash the unsent vote may be cast again
}

TEST_CASE("election-quorum (5.2): a leader without a majority of votes in its term is a violation", "[checkers]") {
  checkers::ElectionQuorum c;
  CHECK_FALSE(feed(c, five_nodes()));
  // Node 0 has node 1's vote of term 2 and its own: 2 of 5. Node 2's vote came in term 1 (stale).
  const auto v = feed(c, {{EventKind::vote, 1, 2, 0}, {EventKind::vote, 2, 1, 0}, {EventKind::role, 0, kLeader, 2}});
  REQUIRE(v);
  CHECK(v->checker == "election-quorum");
  CHECK(mentions(*v, "leader of term 2 with the votes of only 2 of 5 nodes (0, 1)"));
}

TEST_CASE("election-quorum (5.2): a leader with a majority (its own vote implied) is silent", "[checkers]") {
  checkers::ElectionQuorum c;
  CHECK_FALSE(feed(c, five_nodes()));
  CHECK_FALSE(feed(c, {{EventKind::vote, 1, 2, 0}, {EventKind::vote, 2, 2, 0}, {EventKind::role, 0, kLeader, 2}}));
  // An implementation that reports its self-vote is not counted twice: 0 (self) + 3 = 2 of 5 is not enough.
  checkers::ElectionQuorum self;
  CHECK_FALSE(feed(self, five_nodes()));
  CHECK(feed(self, {{EventKind::vote, 0, 2, 0}, {EventKind::vote, 3, 2, 0}, {EventKind::role, 0, kLeader, 2}}));
}

TEST_CASE("commit-quorum (5.3): committing an entry only a minority holds is a violation", "[checkers]") {
  checkers::CommitQuorum c;
  CHECK_FALSE(feed(c, five_nodes()));
  const auto v = feed(c, {{EventKind::log_append, 0, 1, 1, 0xA},
                          {EventKind::log_append, 1, 1, 1, 0xA},
                          {EventKind::log_append, 2, 1, 1, 0xB},  // a different entry at index 1
                          {EventKind::commit, 0, 1}});
  REQUIRE(v);
  CHECK(v->checker == "commit-quorum");
  CHECK(mentions(*v, "only 2 of 5 nodes hold that entry (missing at nodes 2, 3, 4)"));
}

TEST_CASE("commit-quorum (5.3): a majority counts crashed nodes by their log at the crash", "[checkers]") {
  checkers::CommitQuorum c;
  CHECK_FALSE(feed(c, five_nodes()));
  CHECK_FALSE(feed(c, {{EventKind::log_append, 0, 1, 1, 0xA},
                       {EventKind::log_append, 1, 1, 1, 0xA},
                       {EventKind::log_append, 2, 1, 1, 0xA},
                       {EventKind::crash, 2},
                       {EventKind::commit, 0, 1}}));  // node 2 is down, but its durable log holds the entry
  // After the restart node 2 reports what it reloaded: here nothing, so only 2 of 5 hold it now.
  CHECK(feed(c, {{EventKind::restart, 2, 0, 0, 0, -1, 2}, {EventKind::commit, 1, 1}}));
}

TEST_CASE("commit-current-term (5.4.2): a leader committing an earlier term's entry is a violation", "[checkers]") {
  checkers::CommitCurrentTerm c;
  const auto v = feed(c, {{EventKind::log_append, 0, 1, 2, 0xA},
                          {EventKind::log_append, 0, 2, 3, 0xB},
                          {EventKind::role, 0, kLeader, 4},
                          {EventKind::commit, 0, 2}});
  REQUIRE(v);
  CHECK(v->checker == "commit-current-term");
  CHECK(mentions(*v, "leader of term 4, committed index 2 of term 3"));
}

TEST_CASE("commit-current-term (5.4.2): committing through an own-term entry, and followers, are silent", "[checkers]") {
  checkers::CommitCurrentTerm c;
  CHECK_FALSE(feed(c, {{EventKind::log_append, 0, 1, 2, 0xA},
                       {EventKind::role, 0, kLeader, 4},
                       {EventKind::log_append, 0, 2, 4, 0xC},  // the term-start no-op
                       {EventKind::commit, 0, 2},              // commits index 1 (term 2) with it
                       {EventKind::role, 1, kFollower, 4},
                       {EventKind::log_append, 1, 1, 2, 0xA},
                       {EventKind::commit, 1, 1},              // a follower learns commits of any term
                       {EventKind::crash, 0},
                       {EventKind::commit, 0, 1}}));           // not a leader any more
}
