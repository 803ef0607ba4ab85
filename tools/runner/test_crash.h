// A test-only misbehaving implementation, to prove that campaigns survive the Raft they test: with
// RAFTSIM_TEST_CRASH=KIND:SEEDS[;KIND:SEEDS...] in the environment (KIND abort, segv, throw or hang; SEEDS
// a comma list),
// the node factory of those seeds aborts, segfaults, throws or spins forever when it creates its first
// node. Unset (always, outside tests), it changes nothing.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/node_host.h"

namespace tools {

// `inner`, or a wrapper around it that misbehaves for this seed as RAFTSIM_TEST_CRASH says.
std::unique_ptr<sim::NodeFactory> maybe_plant_test_crash(std::unique_ptr<sim::NodeFactory> inner, std::uint64_t seed);

}  // namespace tools
