// The membership rules (checkers/membership_rules.h, thesis 4.1, 4.2.2) and the majorities of commit-quorum
// and election-quorum counted against each node's configuration: for each rule a hand-made stream that
// breaks it, and the same stream done right.
#include <catch2/catch.hpp>

#include "checkers/commit_quorum.h"
#include "checkers/membership_rules.h"
#include "checkers/vote_safety.h"
#include "tests/checkers/event_feed.h"

namespace {

using checker_test::Ev;
using checker_test::feed;
using K = sim::EventKind;

constexpr std::uint64_t kFollower = 0, kLeader = 2;

Ev role(std::int32_t n, std::uint64_t r, std::uint64_t term) { return Ev{K::role, n, r, term}; }
Ev append(std::int32_t n, std::uint64_t index, std::uint64_t term) { return Ev{K::log_append, n, index, term, 7}; }
Ev commit(std::int32_t n, std::uint64_t index) { return Ev{K::commit, n, index}; }
Ev vote(std::int32_t n, std::uint64_t term, std::uint64_t candidate) { return Ev{K::vote, n, term, candidate}; }
// Node n's configuration: voters and learners as bit masks, from the entry at `index`.
Ev config(std::int32_t n, std::uint64_t voters, std::uint64_t learners, std::uint64_t index) {
  return Ev{K::membership, n, voters, learners, index};
}

std::optional<checkers::Violation> rules(std::initializer_list<Ev> events) {
  checkers::MembershipRules r;
  return feed(r, events);
}

// Five nodes, 0..2 voters (mask 7), 3 and 4 spares; node 0 leads term 1 and committed its no-op at 1.
#define START                                                                                              \
  config(0, 7, 0, 0), config(1, 7, 0, 0), config(2, 7, 0, 0), config(3, 7, 0, 0), config(4, 7, 0, 0), \
      role(0, kLeader, 1), append(0, 1, 1)

}  // namespace

TEST_CASE("one-change-at-a-time: a leader appends a change only when its configuration is committed (thesis 4.1)") {
  const auto bad = rules({START, commit(0, 1), append(0, 2, 1), config(0, 7, 8, 2), append(0, 3, 1), config(0, 7, 24, 3)});
  REQUIRE(bad);
  CHECK(bad->checker == "one-change-at-a-time");
  CHECK(!rules({START, commit(0, 1), append(0, 2, 1), config(0, 7, 8, 2), commit(0, 2), append(0, 3, 1),
                config(0, 7, 24, 3)}));
}

TEST_CASE("change-own-term: a leader changes the configuration only after a commit of its own term (Ongaro 2015)") {
  const auto bad = rules({START, append(0, 2, 1), config(0, 7, 8, 2)});  // nothing committed yet
  REQUIRE(bad);
  CHECK(bad->checker == "change-own-term");
  // Committed, but an entry of an earlier term: still too early.
  const auto old = rules({config(0, 7, 0, 0), append(0, 1, 1), role(0, kLeader, 2), commit(0, 1), append(0, 2, 2),
                          config(0, 7, 8, 2)});
  REQUIRE(old);
  CHECK(old->checker == "change-own-term");
  CHECK(!rules({START, commit(0, 1), append(0, 2, 1), config(0, 7, 8, 2)}));
}

TEST_CASE("removed-leader: a node removed by a committed configuration never leads again (thesis 4.2.2)") {
  // Node 0 removes node 2 (voters 0, 1: mask 3); the change commits on nodes 0 and 1; node 1, which knows
  // that, votes for node 2, and node 2 wins an election.
#define REMOVED_2 START, commit(0, 1), append(0, 2, 1), config(0, 3, 0, 2), append(1, 1, 1), append(1, 2, 1), config(1, 3, 0, 2)
  const auto bad = rules({REMOVED_2, commit(0, 2), commit(1, 2), role(0, kFollower, 1), vote(1, 2, 2), role(2, kLeader, 2)});
  REQUIRE(bad);
  CHECK(bad->checker == "removed-leader");
  CHECK(bad->nodes == std::vector<std::int32_t>{2, 1});
  // Node 1 had not learned that the removal committed (its leader stepped down on committing it): it could
  // not tell, and node 2, which may have held the only copy of its removal, may stand (thesis 4.2.2).
  CHECK(!rules({REMOVED_2, commit(0, 2), commit(1, 1), role(0, kFollower, 1), vote(1, 2, 2), role(2, kLeader, 2)}));
  // Not yet committed: a leader of the old configuration is legal.
  CHECK(!rules({START, commit(0, 1), append(0, 2, 1), config(0, 3, 0, 2), role(0, kFollower, 1), role(2, kLeader, 2)}));
  // Added back (a later configuration has it as a voter): legal.
  CHECK(!rules({REMOVED_2, commit(0, 2), commit(1, 2), append(0, 3, 1), config(0, 7, 0, 3), role(0, kFollower, 1),
                vote(1, 2, 2), role(2, kLeader, 2)}));
#undef REMOVED_2
}

TEST_CASE("commit-quorum with membership: a leader's majority is of its configuration's voters, learners excluded") {
  // Voters 0..2, learner 3: the leader and the learner hold index 2, so do not make a majority of 3 voters.
  checkers::CommitQuorum bad;
  const auto v = feed(bad, {START, append(1, 1, 1), append(2, 1, 1), commit(0, 1), config(0, 7, 8, 1), append(0, 2, 1),
                            append(3, 2, 1), commit(0, 2)});
  REQUIRE(v);
  CHECK(v->checker == "commit-quorum");
  // With node 1 holding it, 2 of 3 voters: fine; and spares 3, 4 never count against the majority.
  checkers::CommitQuorum good;
  CHECK(!feed(good, {START, append(1, 1, 1), commit(0, 1), append(0, 2, 1), append(1, 2, 1), commit(0, 2)}));
}

TEST_CASE("election-quorum with membership: votes count among the voters of the new leader's configuration") {
  // Voters 0..2; node 0 gets the votes of spares 3 and 4 only.
  checkers::ElectionQuorum bad;
  const auto v = feed(bad, {config(0, 7, 0, 0), config(3, 7, 0, 0), config(4, 7, 0, 0), vote(3, 1, 0), vote(4, 1, 0),
                            role(0, kLeader, 1)});
  REQUIRE(v);
  CHECK(v->checker == "election-quorum");
  checkers::ElectionQuorum good;
  CHECK(!feed(good, {config(0, 7, 0, 0), config(1, 7, 0, 0), config(3, 7, 0, 0), config(4, 7, 0, 0), vote(1, 1, 0),
                     role(0, kLeader, 1)}));
}

TEST_CASE("membership rules can be switched off one by one and a switched-off rule is no longer listed") {
  checkers::MembershipRules rules;
  REQUIRE(rules.rule_names().size() == checkers::kMembershipRuleCount);
  CHECK(rules.disable_rule("removed-leader"));
  CHECK_FALSE(rules.disable_rule("removed-leader-typo"));
  const std::vector<std::string> names = rules.rule_names();
  CHECK(names.size() == checkers::kMembershipRuleCount - 1);
  CHECK(std::find(names.begin(), names.end(), "removed-leader") == names.end());
}
