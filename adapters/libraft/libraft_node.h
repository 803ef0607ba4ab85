// The adapter that runs Canonical's libraft (0.15, Debian's libraft-dev) behind the simulator's host
// interface (sim/node_host.h): a `struct raft_io` whose network, disk and clock are the simulator's.
// Every Raft decision stays in libraft; the adapter translates and reports what libraft does.
//
// The libraft C header stays out of this header on purpose: its `struct raft` would clash with this
// namespace, so only the .cpp sees it (inside a namespace of its own).
#pragma once

#include <memory>

#include "sim/node_host.h"

namespace raft {

// A factory for libraft nodes (implementation name "libraft").
std::unique_ptr<sim::NodeFactory> make_libraft_factory();

}  // namespace raft
