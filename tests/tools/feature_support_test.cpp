// The generic configuration draws only the Raft features an implementation declares it honours
// (sim::FeatureSupport): a Raft without PreVote or leadership transfer can still be fuzzed with it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "tools/nemesis/nemesis.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/scenario.h"

namespace {

const char* kGeneric = R"({
  "cluster": { "nodes": 5 },
  "duration_ms": 4000,
  "nemesis": { "kinds": { "partition": 1 }, "features": true }
})";

std::size_t transfers(const tools::Scenario& s) {
  return static_cast<std::size_t>(std::count_if(s.config.faults.begin(), s.config.faults.end(), [](const sim::Fault& f) {
    return f.kind == sim::Fault::Kind::transfer_leadership;
  }));
}

// Thesis 6.4.1: with leases drawn, each node not at the nominal rate gets a clock fault at time 0.
std::size_t lease_clocks(const tools::Scenario& s) {
  if (!s.config.features.lease_reads) return 0;
  return static_cast<std::size_t>(std::count_if(s.config.faults.begin(), s.config.faults.end(), [](const sim::Fault& f) {
    return f.kind == sim::Fault::Kind::clock && f.at == sim::Time{};
  }));
}

}  // namespace

TEST_CASE("feature support: the registry declares what each built-in implementation honours") {
  tools::register_builtin_implementations();
  const tools::ImplementationInfo* reference = tools::find_implementation("reference");
  REQUIRE(reference != nullptr);
  CHECK(reference->supports.pre_vote);
  CHECK(reference->supports.check_quorum);
  CHECK(reference->supports.transfer_leadership);
  if (const tools::ImplementationInfo* process = tools::find_implementation("process")) {
    // A child's abilities are unknown until it runs: nothing is drawn for it unless --supports says so.
    CHECK_FALSE(process->supports.pre_vote);
    CHECK_FALSE(process->supports.check_quorum);
    CHECK_FALSE(process->supports.transfer_leadership);
  }
}

TEST_CASE("feature support: what an implementation lacks is never drawn, and the other draws stay") {
  tools::register_builtin_implementations();
  const tools::Scenario generic = tools::parse_scenario(kGeneric, "generic.json");
  tools::Scenario none = generic;
  none.supports = sim::FeatureSupport{};
  tools::Scenario only_pre_vote = generic;
  only_pre_vote.supports = sim::FeatureSupport{true, false, false, false};
  std::size_t seeds_with_transfers = 0;
  std::size_t seeds_with_pre_vote = 0;
  std::size_t seeds_with_leases = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const tools::Scenario all = tools::expand_for_seed(generic, seed);  // the reference Raft: everything
    const tools::Scenario lacking = tools::expand_for_seed(none, seed);
    const tools::Scenario partial = tools::expand_for_seed(only_pre_vote, seed);
    seeds_with_transfers += transfers(all) > 0 ? 1 : 0;
    seeds_with_pre_vote += all.config.features.pre_vote ? 1 : 0;
    CHECK(transfers(lacking) == 0);
    CHECK_FALSE(lacking.config.features.pre_vote);
    CHECK_FALSE(lacking.config.features.check_quorum);
    // The draw does not depend on the implementation: a supported switch comes out as for everyone.
    CHECK(partial.config.features.pre_vote == all.config.features.pre_vote);
    CHECK_FALSE(partial.config.features.check_quorum);
    CHECK_FALSE(lacking.config.features.lease_reads);
    // Every other fault is the same, but for the clock rates a seed with leases starts with (thesis 6.4.1).
    CHECK(lacking.config.faults.size() + transfers(all) + lease_clocks(all) == all.config.faults.size());
    seeds_with_leases += all.config.features.lease_reads ? 1 : 0;
  }
  // The draws are not empty: the checks above compared something.
  CHECK(seeds_with_transfers > 10);
  CHECK(seeds_with_pre_vote > 10);
  CHECK(seeds_with_pre_vote < 30);
  CHECK(seeds_with_leases > 10);
  CHECK(seeds_with_leases < 30);
}
