// Issue 13 item 4: with clients that retry an unknown outcome (same client and request id) and a network
// that duplicates client messages, a Raft without exactly-once handling fails the history check. The
// planted bug retry-applied-twice (no client sessions, thesis 6.3) is caught by linearizability on a seed
// of the generic fuzz configuration, and the correct build passes that same seed.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

TEST_CASE("client retries: retry-applied-twice fails the history check, the correct build passes the seed") {
  // The shrunk regression of the bug's first failure in the generic configuration (a fixed scenario: later
  // changes to what swarm_nemesis draws do not move it), with and without the bug.
  tools::Scenario s = tools::load_scenario_file(std::string(RAFTSIM_SOURCE_DIR) + "/scenarios/mutants/retry-applied-twice.json");
  REQUIRE(s.seeds.has_value());
  const std::uint64_t seed = s.seeds->first;
  REQUIRE(s.bugs == std::vector<std::string>{"retry-applied-twice"});
  s.expect = {};
  const tools::RunResult planted = tools::run_scenario(s, seed);
  REQUIRE(planted.outcome == tools::Outcome::safety_violation);
  REQUIRE(planted.violation);
  CHECK(planted.violation->checker == "linearizability");
  CHECK(planted.linearizability.rfind("not-linearizable", 0) == 0);

  s.bugs.clear();
  const tools::RunResult correct = tools::run_scenario(s, seed);
  CHECK(correct.outcome == tools::Outcome::pass);
  CHECK(correct.linearizability.rfind("linearizable", 0) == 0);
  // Same faults, same clients: only the dedupe differs, so the runs part only where a retry is applied.
  CHECK(planted.metrics.ops_invoked == correct.metrics.ops_invoked);
}
