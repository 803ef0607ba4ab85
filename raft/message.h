// The RPCs of the Raft paper, Figure 2, plus the hints the reference Raft adds for fast log backup.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "raft/command.h"
#include "raft/entry_list.h"
#include "raft/membership.h"
#include "raft/output_buffer.h"
#include "raft/types.h"

namespace raft {

struct RequestVote {
  Term term;
  NodeId candidate;
  LogIndex last_log_index;
  Term last_log_term;
  // Thesis 3.10/4.2.3: the election was started by TimeoutNow, so a voter still hearing from the leader
  // answers it instead of ignoring it (as a possible disruption by a removed server, thesis 4.2.3), even
  // within a leader's lease (that leader asked for it and gave up its lease: thesis 6.4.1).
  bool transfer = false;
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
  EntryList entries;  // most carry one entry (raft/entry_list.h)
  LogIndex leader_commit;
  // Thesis 6.4 step 3: the leader's latest ReadIndex heartbeat round when this was sent (0: none yet); the
  // reply echoes it, so the leader knows which reads a follower's reply confirms (etcd's heartbeat context).
  std::uint64_t read_round = 0;
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
  std::uint64_t read_round = 0;  // the request's read_round (success or not: the follower is in the term)
  // On failure: the prev_log_index of the rejected request (etcd's reject index), so that the leader can
  // tell the answer to its current probe from a stale rejection of an earlier, reordered request.
  LogIndex rejected_prev_index = LogIndex(0);
};

// Paper 7, Figure 13: the leader sends a follower that needs compacted entries its snapshot, in chunks
// sent in order (the next chunk only after the reply to the previous one).
struct InstallSnapshot {
  Term term;
  NodeId leader;
  LogIndex last_included_index;
  Term last_included_term;
  std::uint64_t offset = 0;  // byte offset of `data` in the snapshot
  std::string data;          // this chunk
  bool done = false;         // the last chunk
  Membership membership;     // thesis 4.1: the configuration at last_included_index
};

struct InstallSnapshotReply {
  Term term;
  LogIndex last_included_index;  // of the snapshot this answers
  // The offset the follower expects next (the leader resends from there); meaningless when `done`.
  std::uint64_t next_offset = 0;
  // The follower's state now covers last_included_index (installed now, or already applied that far).
  bool done = false;
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

// The order of the alternatives is the conventional summary kind (docs/your-raft.md): 0-3 the paper's
// RPCs, 4-5 InstallSnapshot (paper 7), 6-8 PreVote, its reply and TimeoutNow (thesis 9.6, 3.10).
using Message = std::variant<RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, InstallSnapshot,
                             InstallSnapshotReply, PreVote, PreVoteReply, TimeoutNow>;

// Term carried by any message (every Raft RPC carries the sender's term; paper 5.1). Inline: every step and
// every send's summary asks it.
inline Term message_term(const Message& message) {
  return std::visit([](const auto& m) { return m.term; }, message);
}
const char* message_name(const Message& message);

struct Envelope {
  // User-provided, not an aggregate: the Raft builds its AppendEntries in an envelope emplaced into its
  // output, which value-initialization would have zeroed whole (144 bytes) before the message was put in.
  Envelope() {}  // NOLINT(modernize-use-equals-default): `= default` brings the zeroing back
  template <typename M>
  Envelope(NodeId from_in, NodeId to_in, M&& message_in)
      : from(from_in), to(to_in), message(std::forward<M>(message_in)) {}

  NodeId from;
  NodeId to;
  Message message;
};

// Appends an envelope to `envelopes`, built in place (Envelope's constructor: every compiler, clang 14
// included, which lacks C++20's parenthesized aggregate initialization).
template <typename M>
void emplace_envelope(OutputBuffer<Envelope>& envelopes, NodeId from, NodeId to, M&& message) {
  envelopes.emplace_back(from, to, std::forward<M>(message));
}

}  // namespace raft
