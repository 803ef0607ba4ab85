// The random nemesis: a seeded generator of fault schedules. It expands, before the run, into an explicit
// timeline of faults (each with its undo), so a failing run's schedule can be recorded, replayed and
// shrunk like a hand-written one. In "swarm" mode each seed also draws which fault kinds are enabled and
// how strong they are (Groce et al., "Swarm Testing", ISSTA 2012): fewer kinds per run reach deeper.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace tools {

struct NemesisConfig {
  bool enabled = false;
  sim::Duration interval_min = sim::Duration::millis(300);  // between the starts of two faults
  sim::Duration interval_max = sim::Duration::millis(1500);
  sim::Duration fault_min = sim::Duration::millis(100);  // how long one fault lasts
  sim::Duration fault_max = sim::Duration::millis(2000);
  std::map<std::string, double> weights;  // fault kind -> relative weight (all kinds at 1 if empty)
  bool swarm = false;
};

// Every kind the nemesis knows.
const std::vector<std::string>& nemesis_kinds();

struct NemesisPlan {
  std::vector<sim::Fault> faults;  // sorted by time, ids starting at `first_id`
  std::string description;         // what was drawn (for swarm mode: the enabled kinds and strengths)
};

NemesisPlan expand_nemesis(const NemesisConfig& config, std::uint64_t seed, std::uint32_t nodes, sim::Duration duration,
                           std::uint32_t first_id);

}  // namespace tools
