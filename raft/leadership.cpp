#include "raft/leadership.h"

#include "base/assert.h"

namespace raft::leadership {

bool grant_pre_vote(Term asked, Term current, bool heard_from_leader, bool log_up_to_date) {
  RAFTSIM_ASSERT(asked.value > 0);
  RAFTSIM_ASSERT(current.value < UINT64_MAX);
  return asked > current && !heard_from_leader && log_up_to_date;
}

bool has_quorum_contact(std::size_t peers_heard, std::size_t quorum) {
  RAFTSIM_ASSERT(quorum >= 1);
  RAFTSIM_ASSERT(peers_heard < 1'000'000);
  return peers_heard + 1 >= quorum;  // + 1: the leader itself
}

NodeId pick_transfer_target(const std::map<NodeId, LogIndex>& match) {
  RAFTSIM_ASSERT(!match.empty());
  std::optional<NodeId> best;
  LogIndex best_match;
  for (const auto& [peer, index] : match) {  // sorted by id: the first of equals wins
    if (!best || index > best_match) {
      best = peer;
      best_match = index;
    }
  }
  RAFTSIM_ASSERT(best.has_value());
  return *best;
}

std::uint32_t transfer_heartbeats(std::uint64_t election_timeout_us_min, std::uint64_t heartbeat_interval_us) {
  RAFTSIM_ASSERT(heartbeat_interval_us > 0);
  RAFTSIM_ASSERT(election_timeout_us_min > 0);
  const std::uint64_t n = (election_timeout_us_min + heartbeat_interval_us - 1) / heartbeat_interval_us;
  return static_cast<std::uint32_t>(n < 1 ? 1 : n);
}

}  // namespace raft::leadership
