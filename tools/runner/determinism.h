// --check-determinism: run one seed twice, compare the event streams, and name the first difference.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/scenario/scenario.h"

namespace tools {

// nullopt if both runs produced the same trace; otherwise where and how they first differ.
std::optional<std::string> check_determinism(const Scenario& scenario, std::uint64_t seed);

}  // namespace tools
