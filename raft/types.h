// Strong types of the reference Raft. Nothing here knows about the simulator.
#pragma once

#include <cstdint>

#include "base/strong_type.h"

namespace raft {

struct TermTag {};
struct LogIndexTag {};
struct NodeIdTag {};

using Term = base::Strong<TermTag, std::uint64_t>;
using LogIndex = base::Strong<LogIndexTag, std::uint64_t>;  // 0 means "before the first entry"
using NodeId = base::Strong<NodeIdTag, std::uint32_t>;
// A node's own clock, in microseconds (thesis 6.4.1: leases measure time locally; clocks may run at different
// rates, and only a bound on that difference makes a lease sound). Monotone; its origin means nothing.
struct LocalTimeTag {};
using LocalTime = base::Strong<LocalTimeTag, std::uint64_t>;

// pre_candidate: in a pre-vote round (thesis 9.6), before becoming a candidate; its term is unchanged.
enum class Role : std::uint8_t { follower = 0, candidate = 1, leader = 2, pre_candidate = 3 };

const char* role_name(Role role);

}  // namespace raft
