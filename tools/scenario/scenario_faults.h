// Reading the fault timeline of a scenario file (docs/scenarios.md, "Faults").
#pragma once

#include <vector>

#include "sim/simulation.h"
#include "tools/scenario/json_reader.h"

namespace tools {

// One entry of "faults": the fault, and, when it has a "duration_ms", the fault that undoes it then.
// `next_id` numbers faults that have an undo (see sim::Fault::undoes).
std::vector<sim::Fault> read_fault(JsonReader& reader, std::uint32_t nodes, double duration_ms, std::uint32_t& next_id);

// One line for a fault, e.g. "crash leader,3", "degrade all -> all: late 10% +200..2000ms".
std::string describe_fault(const sim::Fault& fault, std::uint32_t nodes);

// The actions a fault entry may name.
const std::vector<std::string>& fault_actions();

}  // namespace tools
