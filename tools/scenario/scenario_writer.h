// Writes a scenario back as a scenario file, with every field explicit (so a record or a shrunk scenario
// means the same thing even if defaults change later). parse_scenario(scenario_to_json(s)) == s.
#pragma once

#include <nlohmann/json.hpp>

#include "tools/scenario/scenario.h"

namespace tools {

nlohmann::ordered_json scenario_to_json(const Scenario& scenario);

}  // namespace tools
