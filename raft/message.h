// The RPCs of the Raft paper, Figure 2, plus the hints the reference Raft adds for fast log backup.
#pragma once

#include <variant>
#include <vector>

#include "raft/command.h"
#include "raft/types.h"

namespace raft {

struct RequestVote {
  Term term;
  NodeId candidate;
  LogIndex last_log_index;
  Term last_log_term;
};

struct RequestVoteReply {
  Term term;
  bool vote_granted = false;
};

struct AppendEntries {
  Term term;
  NodeId leader;
  LogIndex prev_log_index;
  Term prev_log_term;
  std::vector<Entry> entries;
  LogIndex leader_commit;
};

struct AppendEntriesReply {
  Term term;
  bool success = false;
  // On success: the index of the last entry known to match the leader's log (prev_log_index +
  // entries.size() of the request being answered). Lets the leader ignore reordered old replies.
  LogIndex match_index;
  // On failure: where the leader should retry (thesis 5.3 "fast log backup"): the first index of the
  // conflicting term in the follower's log, or the follower's last index + 1 if its log is too short.
  LogIndex conflict_index;
  Term conflict_term;  // the follower's term at prev_log_index, or 0 if it has no entry there
};

// Thesis 9.6 (PreVote): "would I win an election of term `term`?" asked without changing any state; `term`
// is the pre-candidate's current term + 1.
struct PreVote {
  Term term;
  NodeId candidate;
  LogIndex last_log_index;
  Term last_log_term;
};

// Granted: `term` is the term asked for. Refused: the receiver's current term, which the pre-candidate
// adopts if it is higher (it is behind).
struct PreVoteReply {
  Term term;
  bool vote_granted = false;
};

// Thesis 3.10: the leader tells the transfer target, whose log matches its own, to start an election now.
struct TimeoutNow {
  Term term;
  NodeId leader;
};

using Message = std::variant<RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, PreVote, PreVoteReply,
                             TimeoutNow>;

// Term carried by any message (every Raft RPC carries the sender's term; paper 5.1).
Term message_term(const Message& message);
const char* message_name(const Message& message);

struct Envelope {
  NodeId from;
  NodeId to;
  Message message;
};

}  // namespace raft
