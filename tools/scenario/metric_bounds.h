// expect.metrics of the scenario language: bounds on run metrics (checkers/metrics.h), read strictly and
// written back (failure records, shrunk scenarios).
#pragma once

#include <nlohmann/json.hpp>

#include "tools/scenario/json_reader.h"
#include "tools/scenario/scenario.h"

namespace tools {

// Reads {"elections": {"max": 10}, "writes_per_s": {"min": 100}, ...} (and the older integer keys
// elections_max, leaders_elected_max, ops_ok_min) into expect.metrics. Unknown metric names are input
// errors with a "did you mean".
void read_metric_bounds(JsonReader& metrics, Expectation& expect);
// The same object, for the scenario writer (empty if there are no bounds).
nlohmann::ordered_json write_metric_bounds(const Expectation& expect);

}  // namespace tools
