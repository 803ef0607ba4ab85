// The decisions of PreVote, CheckQuorum and leadership transfer (Ongaro's thesis 9.6, 6.2, 3.10), as pure
// functions: raft.cpp keeps the state and calls these, so the rules read (and are tested) on their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "raft/types.h"

namespace raft::leadership {

// Thesis 9.6: a server grants a pre-vote for `asked` (the pre-candidate's term + 1) only if that term is
// beyond its own, it has not heard from a current leader within the election timeout, and the
// pre-candidate's log is at least as up-to-date as its own (5.4.1). Granting changes nothing.
bool grant_pre_vote(Term asked, Term current, bool heard_from_leader, bool log_up_to_date);

// Thesis 6.2 (CheckQuorum): a leader keeps its role only if it heard from a majority (itself included)
// during the last election timeout.
bool has_quorum_contact(std::size_t peers_heard, std::size_t quorum);

// Thesis 3.10: the target of a transfer that names none: the peer with the longest matching log (the one
// that catches up soonest), the lowest id on ties. `match` holds every peer.
NodeId pick_transfer_target(const std::map<NodeId, LogIndex>& match);

// Thesis 3.10: "if the transfer does not complete within an election timeout, the prior leader aborts the
// transfer": the number of heartbeat intervals that cover the minimum election timeout (at least 1).
std::uint32_t transfer_heartbeats(std::uint64_t election_timeout_us_min, std::uint64_t heartbeat_interval_us);

}  // namespace raft::leadership
