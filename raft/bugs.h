// Planted bugs ("mutants"): each switch breaks exactly one rule of the Raft paper, so that raftsim's
// power to find real bugs can be measured (`raftsim run --bug NAME`, `raftsim mutants`). All are off in
// normal use. Each is tested at exactly the line of raft.cpp it changes, marked `// BUG(name)`, next to
// the correct code, which stays the obvious path.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace raft {

enum class Bug : std::uint8_t {
  commit_prior_term,          // 5.4.2, Figure 8: commit an earlier term's entry by counting replicas
  no_persist_vote,            // Figure 2: reply to RequestVote before term and vote are durable
  revote_same_term,           // 5.2: forget the vote when following this term's leader: one term, two votes
  accept_stale_term,          // 5.1: accept AppendEntries from an older term
  truncate_without_conflict,  // 5.3: truncate on a stale or duplicate AppendEntries even when entries match
  commit_beyond_match,        // Figure 2: follower commit follows leaderCommit to its log's end, not the last *new* entry
  stale_reply_match,          // 5.3: let an old reply move matchIndex backwards or a stale-term vote count
  fixed_election_timeout,     // 5.2: every node uses the same election timeout (election storms)
  no_log_up_to_date_check,    // 5.4.1: grant votes without comparing logs
  retry_applied_twice,        // thesis 6.3: no client sessions: a retried request already applied is applied again
  prevote_changes_term,          // thesis 9.6: a PreVote request makes the receiver adopt its term (and forget its vote)
  prevote_ignores_leader,        // thesis 9.6/4.2.3: grant pre-votes while hearing from a current leader
  check_quorum_never_steps_down, // thesis 6.2/9.6: CheckQuorum counts contact but the leader never steps down
  timeoutnow_without_uptodate,   // thesis 3.10: send TimeoutNow before the target's log matches the leader's
  transfer_keeps_proposing,      // thesis 3.10: keep accepting proposals during a leadership transfer
  snapshot_rolls_back,           // 7, Figure 13: install a snapshot older than the applied state (rolls it back)
  snapshot_before_persist,       // Figure 13: answer the last InstallSnapshot chunk before the snapshot is durable
  read_without_quorum_check,     // thesis 6.4 step 3: serve a ReadIndex read without a heartbeat round (a deposed leader reads stale)
  read_before_term_commit,       // thesis 6.4 step 1: take the read index before the leader committed an entry of its term
  match_on_send,                 // thesis 10.2.1: count an optimistically sent, unacknowledged append as matched
  change_without_own_term_commit,  // thesis 4.1 (Ongaro 2015): propose a membership change before committing an entry of its term
  two_changes_in_flight,           // thesis 4.1: propose a membership change while an earlier one is uncommitted
  learner_counted_in_quorum,       // thesis 4.2.1: a learner's replicated entries count toward the commit majority
  lease_without_drift_bound,     // thesis 6.4.1: the lease lasts a whole minimum election timeout, as if all clocks ran at one rate
  vote_during_lease,             // thesis 4.2.3/6.4.1: a follower grants votes within the minimum election timeout of hearing from the leader
};

inline constexpr std::size_t kBugCount = 25;

struct Bugs {
  std::uint32_t mask = 0;
  bool on(Bug b) const { return (mask >> static_cast<unsigned>(b)) & 1U; }
  bool any() const { return mask != 0; }
  void set(Bug b) { mask |= 1U << static_cast<unsigned>(b); }
};

std::string_view bug_name(Bug bug);  // "commit-prior-term", ...
std::optional<Bug> bug_from_name(std::string_view name);
std::vector<std::string_view> bug_names();

}  // namespace raft
