// Availability relative to the correct build (issue 13 item 3): a run of any implementation is compared
// with the reference Raft without planted bugs on the same scenario and seed, which sees the same
// time-scheduled faults (the nemesis draws them from the seed alone, before the run). The rule, with E the
// scenario's election_timeout_ms_max (docs/checkers.md, "Availability relative to the correct build"):
//   elections            <= 2 x baseline + 3
//   terms without leader <= 2 x baseline + 3        (split_votes)
//   leaderless time      <= 2 x baseline + 3 x E
//   recovery after each disruption that the baseline also had (same instant, same kind of event)
//                        <= baseline's recovery + 3 x E   (when the baseline recovered)
#pragma once

#include <string>
#include <vector>

#include "checkers/metrics.h"

namespace tools {

// The rules broken, each in words naming the metric, its value, the bound and the baseline's figure
// (empty: none broken).
std::vector<std::string> availability_breaches(const checkers::RunMetrics& run, const checkers::RunMetrics& baseline);

}  // namespace tools
