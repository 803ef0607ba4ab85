#include "raft/bugs.h"

#include "base/assert.h"

namespace raft {

std::string_view bug_name(Bug bug) {
  switch (bug) {
    case Bug::commit_prior_term: return "commit-prior-term";
    case Bug::no_persist_vote: return "no-persist-vote";
    case Bug::revote_same_term: return "revote-same-term";
    case Bug::accept_stale_term: return "accept-stale-term";
    case Bug::truncate_without_conflict: return "truncate-without-conflict";
    case Bug::commit_beyond_match: return "commit-beyond-match";
    case Bug::stale_reply_match: return "stale-reply-match";
    case Bug::fixed_election_timeout: return "fixed-election-timeout";
    case Bug::no_log_up_to_date_check: return "no-log-up-to-date-check";
    case Bug::retry_applied_twice: return "retry-applied-twice";
    case Bug::prevote_changes_term: return "prevote-changes-term";
    case Bug::prevote_ignores_leader: return "prevote-ignores-leader";
    case Bug::check_quorum_never_steps_down: return "check-quorum-never-steps-down";
    case Bug::timeoutnow_without_uptodate: return "timeoutnow-without-uptodate";
    case Bug::transfer_keeps_proposing: return "transfer-keeps-proposing";
    case Bug::snapshot_rolls_back: return "snapshot-rolls-back";
    case Bug::snapshot_before_persist: return "snapshot-before-persist";
    case Bug::read_without_quorum_check: return "read-without-quorum-check";
    case Bug::read_before_term_commit: return "read-before-term-commit";
    case Bug::match_on_send: return "match-on-send";
    case Bug::change_without_own_term_commit: return "change-without-own-term-commit";
    case Bug::two_changes_in_flight: return "two-changes-in-flight";
    case Bug::learner_counted_in_quorum: return "learner-counted-in-quorum";
    case Bug::lease_without_drift_bound: return "lease-without-drift-bound";
    case Bug::vote_during_lease: return "vote-during-lease";
  }
  return "?";
}

std::vector<std::string_view> bug_names() {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < kBugCount; ++i) out.push_back(bug_name(static_cast<Bug>(i)));
  RAFTSIM_ASSERT(out.size() == kBugCount);
  return out;
}

std::optional<Bug> bug_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kBugCount; ++i) {
    if (bug_name(static_cast<Bug>(i)) == name) return static_cast<Bug>(i);
  }
  return std::nullopt;
}

}  // namespace raft
