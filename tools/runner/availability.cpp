#include "tools/runner/availability.h"

#include <map>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"
#include "sim/time.h"

namespace tools {

namespace {
using sim::us_to_ms;
// One extra leader loss costs up to an election timeout to notice and one per election round; three
// allow one split vote on top (docs/checkers.md).
constexpr int kSlackTimeouts = 3;
}  // namespace

std::vector<std::string> availability_breaches(const checkers::RunMetrics& run, const checkers::RunMetrics& base) {
  std::vector<std::string> out;
  // Both runs are asked for the same timing; the baseline's figure is the scenario's.
  const std::int64_t e = base.election_timeout_max_us;
  RAFTSIM_ASSERT(e >= 0);
  auto count_rule = [&](const char* what, std::uint64_t value, std::uint64_t baseline) {
    const std::uint64_t bound = 2 * baseline + 3;
    if (value > bound) {
      out.push_back(fmt::format("{} was {}, expected at most 2 x {} (the correct build's) + 3 = {}", what, value,
                                baseline, bound));
    }
  };
  count_rule("elections", run.elections, base.elections);
  count_rule("terms without a leader (split_votes)", run.split_votes, base.split_votes);
  const std::int64_t leaderless_bound = 2 * base.leaderless_us + kSlackTimeouts * e;
  if (run.leaderless_us > leaderless_bound) {
    out.push_back(fmt::format("leaderless time was {:.3f}ms, expected at most 2 x {:.3f}ms (the correct build's) + {} x "
                              "{:.3f}ms (election timeout max) = {:.3f}ms",
                              us_to_ms(run.leaderless_us), us_to_ms(base.leaderless_us), kSlackTimeouts, us_to_ms(e), us_to_ms(leaderless_bound)));
  }
  // Disruptions matched by instant and kind: time-scheduled faults fire at the same instants in both runs;
  // a triggered fault fires where its event happens, so it is compared only if both runs fired it at the
  // same instant (its cost otherwise shows in the leaderless time).
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> base_recovery;
  for (const checkers::Disruption& d : base.disruptions) base_recovery.emplace(std::make_pair(d.at_us, d.kind), d.recovery_us);
  for (const checkers::Disruption& d : run.disruptions) {
    const auto it = base_recovery.find({d.at_us, d.kind});
    if (it == base_recovery.end() || it->second < 0) continue;
    const std::int64_t bound = it->second + kSlackTimeouts * e;
    if (d.recovery_us < 0 || d.recovery_us > bound) {
      out.push_back(fmt::format("recovery after the {} at {:.3f}ms took {}, expected at most {:.3f}ms (the correct "
                                "build's) + {} x {:.3f}ms = {:.3f}ms",
                                d.kind, us_to_ms(d.at_us),
                                d.recovery_us < 0 ? std::string("until the end of the run (no leader again)")
                                                  : fmt::format("{:.3f}ms", us_to_ms(d.recovery_us)),
                                us_to_ms(it->second), kSlackTimeouts, us_to_ms(e), us_to_ms(bound)));
      break;  // one recovery is enough to name
    }
  }
  return out;
}

}  // namespace tools
