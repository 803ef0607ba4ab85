// Everything the reference Raft asks of its host after one input: the one output struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "raft/command.h"
#include "raft/entry_list.h"
#include "raft/membership.h"
#include "raft/message.h"
#include "raft/output_buffer.h"
#include "raft/types.h"

namespace raft {

// Term and vote: the state that must be durable before any reply that depends on it (paper Figure 2,
// "Persistent state on all servers ... updated on stable storage before responding to RPCs").
struct HardState {
  Term term;
  std::optional<NodeId> voted_for;

  bool operator==(const HardState&) const = default;
};

// A snapshot of the state machine (paper 7): the state after applying exactly entries 1..index.
struct Snapshot {
  LogIndex index;  // last included index
  Term term;       // last included term
  std::string data;  // KvStateMachine::snapshot() bytes
  std::uint64_t digest = 0;  // state_digest(data)
  // Thesis 4.1/5.1: the configuration at `index` (the last configuration entry at or before it, or the
  // initial one), so a node whose log was compacted past its configuration entries still knows it.
  Membership membership;
};

// The snapshot part of a write: store `snapshot` (replacing any older one) and compact the log so that it
// starts after `log_base` (<= snapshot.index: a few trailing entries may stay). If the log's entry at
// log_base does not have term log_base_term, the whole log goes (Figure 13 rule 7).
struct SnapshotWrite {
  Snapshot snapshot;
  LogIndex log_base;
  Term log_base_term;
};

// One write to stable storage. The host applies these in order and reports each with on_persisted(token).
// Applying a request means: set the hard state if present, then store the snapshot and compact the log if
// present, then drop every entry with index >= truncate_from if present, then append `entries` (the first
// of which has index `first_index`; entries at or below the log's base are skipped).
struct PersistRequest {
  // User-provided (every member has its initializer): the Raft emplaces one per write into its output, and
  // an implicit default constructor would have zeroed all 232 bytes first (value-initialization).
  PersistRequest() {}  // NOLINT(modernize-use-equals-default): `= default` brings the zeroing back

  std::uint64_t token = 0;
  std::optional<HardState> hard_state;
  std::optional<SnapshotWrite> snapshot;
  std::optional<LogIndex> truncate_from;
  LogIndex first_index;  // index of entries[0]; meaningless when entries is empty
  EntryList entries;  // most writes are of one entry (raft/entry_list.h)
};

// (Thesis 4.2.3's window, a minimum election timeout after hearing from the leader, is measured on the node's
// own clock, Raft::advance_clock, not by a timer.)
enum class TimerKind : std::uint8_t { election = 0, heartbeat = 1 };

// Arm (or re-arm: the previous timer of the same kind is cancelled) a timer. The host draws the delay
// uniformly from [delay_us_min, delay_us_max], so the reference Raft needs no random source of its own.
struct TimerRequest {
  TimerKind kind = TimerKind::election;
  std::uint64_t delay_us_min = 0;
  std::uint64_t delay_us_max = 0;
};

enum class ReplyStatus : std::uint8_t {
  ok = 0,          // applied; `value` holds the result
  not_leader = 1,  // definitely not applied; `leader_hint` may say where to go
  unknown = 2,     // proposed but leadership was lost: it may or may not be applied later
};

struct ClientReply {
  std::uint64_t client_id = 0;
  std::uint64_t request_id = 0;
  ReplyStatus status = ReplyStatus::ok;
  std::optional<NodeId> leader_hint;
  std::string value;           // get: the value read ("" if absent); cas: the value before the cas
  bool cas_succeeded = false;  // cas only
  LogIndex index;              // ok only: where the command was applied, and in which term
  Term term;
};

// Facts for the checkers. They describe the node's volatile state as it changes.
struct Observation {
  enum class Kind : std::uint8_t {
    role_changed = 0,   // a = Role, b = term
    vote_granted = 1,   // a = term, b = candidate
    log_appended = 2,   // a = index, b = term, c = entry_digest
    log_truncated = 3,  // a = first removed index (every entry >= a is gone)
    committed = 4,      // a = new commit index
    applied = 5,        // a = index, b = term, c = entry_digest
    transfer_started = 6,    // a = target, b = term (thesis 3.10)
    transfer_abandoned = 7,  // a = target, b = term: no new leader within an election timeout
    // Paper 7 (trace format 3): a = last included index, b = its term, c = state digest.
    snapshot_taken = 8,      // this node snapshotted its state machine (applied exactly 1..a)
    snapshot_installed = 9,  // a leader's snapshot replaced its state (Figure 13): applied and committed = a
    snapshot_restored = 10,  // at start: the state machine restored from the durable snapshot
    snapshot_chunk = 11,     // an InstallSnapshot chunk accepted, not the last: a = index, b = offset, c = bytes
    read_served = 12,        // thesis 6.4: a read answered without the log: a = read index, b = term, c = request id
    // Thesis 4.1: the node's configuration changed (an entry appended or truncated, a snapshot installed or
    // restored, and once at start): a = voters (bit n = node n), b = learners, c = index of its entry (0:
    // the initial configuration).
    membership = 13,
    lease_read = 14,         // thesis 6.4.1: a read answered under the leader's lease: a = commit index, b = term, c = request id
    stopped = 15,            // a persist request failed (Raft::on_persist_failed): a = 1, b = its token; no more output
  };
  Kind kind = Kind::role_changed;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
};

// Each part an OutputBuffer (raft/output_buffer.h): a host that keeps one Output across inputs, clearing it
// between them, keeps its capacity, and the Raft's appends to it then never allocate.
struct Output {
  OutputBuffer<Envelope> messages;  // send now
  OutputBuffer<PersistRequest> persist;
  OutputBuffer<TimerRequest> timers;
  OutputBuffer<ClientReply> replies;
  OutputBuffer<Observation> observations;

  // Room for a busy input's output, reserved once by a host that keeps this Output across inputs (a
  // leader's heartbeat round to four followers; an entry committed and applied with its replies): its
  // appends then rarely grow a buffer even at the start (message buffers move between the output and the
  // writes they wait for, so their capacity travels).
  void reserve_for_reuse() {
    messages.reserve(16);
    persist.reserve(2);
    timers.reserve(4);
    replies.reserve(8);
    observations.reserve(16);
  }
  void clear() {
    messages.clear();
    persist.clear();
    timers.clear();
    replies.clear();
    observations.clear();
  }
  bool empty() const {
    return messages.empty() && persist.empty() && timers.empty() && replies.empty() && observations.empty();
  }
};

}  // namespace raft
