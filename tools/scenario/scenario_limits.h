// Limits that involve several fields of a scenario at once, checked when it is loaded and again when the
// command line changes the implementation (--impl). Each names the field to change and why.
#pragma once

#include <cmath>
#include <cstdint>

#include "sim/time.h"
#include "tools/scenario/scenario.h"

namespace tools {

// The longest time a scenario's millisecond fields may give: one simulated hour (longer is surely a typo).
constexpr double kMillisMax = 3'600'000.0;

// A scenario's millisecond field as a duration, rounded to the microsecond.
inline sim::Duration millis(double ms) { return sim::Duration::micros(static_cast<std::int64_t>(std::llround(ms * 1000.0))); }

// The most faults a random nemesis may schedule in one run (its worst case: duration over the shortest
// interval). The shipped fuzz configuration schedules about a hundred; a fault every millisecond for an
// hour (3.6 million) took 4.4 GB in a minute.
constexpr std::uint64_t kNemesisFaultsMax = 10'000;

// What the implementation under test honours: the command line's declaration (--supports), else the
// registry's; an unknown implementation honours nothing (building it fails later with a clear error).
sim::FeatureSupport resolved_supports(const Scenario& scenario);

// Throws InputError (file and field path) if `scenario` asks for what raftsim cannot run, or for a feature
// its implementation does not declare (resolved_supports): snapshots, the flow-control window, disk write
// errors (as a fault or as a nemesis kind).
void check_scenario_limits(const Scenario& scenario);

// The most faults the nemesis of `scenario` can schedule in one run (0 if it is off).
std::uint64_t nemesis_faults_worst_case(const Scenario& scenario);

}  // namespace tools
