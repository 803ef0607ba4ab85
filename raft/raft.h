// The reference Raft: a pure state machine (inputs in, one Output out). No clock, no I/O, no threads,
// no random source: timers are requested from the host, which also chooses their randomized delays.
//
// Implements the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm",
// 2014) sections 5.1-5.4 and the no-op-at-term-start rule of section 8; from Ongaro's thesis (2014),
// leadership transfer (3.10), PreVote and CheckQuorum (9.6, 6.2), ReadIndex reads (6.4), and from the paper
// snapshots (7), membership changes (thesis 4, raft/membership.h) and leader leases (thesis 6.4.1), each
// switched in Config.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "raft/bugs.h"
#include "raft/command.h"
#include "raft/kv_state_machine.h"
#include "raft/membership.h"
#include "raft/message.h"
#include "raft/output.h"
#include "raft/types.h"

namespace raft {

struct Config {
  NodeId id;
  // The initial configuration's voters (thesis 4.1), sorted, no duplicates. `id` need not be one: a spare
  // node starts outside it and waits to be added.
  std::vector<NodeId> members;
  // Thesis 4: membership changes may happen (on_membership_change), and a RequestVote that could only
  // disrupt a working leader is ignored (4.2.3; see ignores_disruptive_vote in raft.cpp).
  bool membership = false;
  std::uint64_t election_timeout_us_min = 150'000;
  std::uint64_t election_timeout_us_max = 300'000;
  std::uint64_t heartbeat_interval_us = 50'000;
  std::uint32_t max_entries_per_append = 64;
  // Flow control (thesis 10.2.1, etcd's Progress/Inflights): in the replicate state, at most this many
  // AppendEntries carrying entries are unacknowledged per follower; in the probe state, one. The default
  // is sim::RaftTiming's (16; why there), which the reference adapter passes on.
  std::uint32_t max_inflight_appends = 16;
  std::uint32_t max_pending_client_requests = 1024;  // bound on the leader's queue of unanswered requests
  // Thesis 9.6: a pre-vote round before each election (except one started by TimeoutNow).
  bool pre_vote = false;
  // Thesis 6.2/9.6: a leader that hears from no majority during an election timeout steps down.
  bool check_quorum = false;
  // Paper 7: snapshot the state machine every this many applied entries (0: never; then no log is
  // compacted and no InstallSnapshot is ever sent).
  std::uint32_t snapshot_every_entries = 0;
  std::uint32_t snapshot_trailing_entries = 4;  // entries kept before the snapshot index when compacting
  std::uint32_t snapshot_chunk_bytes = 512;     // InstallSnapshot data per message
  // Thesis 6.4: a leader answers reads (gets) without appending them to the log, by ReadIndex (its commit
  // index once it committed an entry of its term, confirmed by a heartbeat round a majority acknowledges).
  bool read_index = false;
  // Thesis 6.4.1: leader leases. While its lease holds, a leader that committed an entry of its term answers
  // reads (gets) from its own state at once, with no heartbeat round; otherwise ReadIndex (if on) or the
  // log. The lease starts when a heartbeat round is sent (on the leader's clock) that a majority then
  // acknowledges, and lasts election_timeout_us_min / clock_drift_bound of the leader's clock; followers
  // grant no vote (nor pre-vote) within election_timeout_us_min of hearing from the leader, nor of their own
  // start (thesis 4.2.3). Sound only while no clock runs more than clock_drift_bound times as fast as
  // another. Needs the host's clock: advance_clock() before every input.
  bool lease_reads = false;
  double clock_drift_bound = 1.1;  // >= 1: the largest ratio of two nodes' clock rates
  Bugs bugs;  // planted bugs (raft/bugs.h); none in normal use
};

// How the leader replicates to one follower (etcd raft's Progress states; thesis 10.2.1 pipelining):
//   probe:     the match is unknown; one AppendEntries at a time, the next only after its reply (or at the
//              next heartbeat, which re-sends the probe);
//   replicate: the match is known; next_index advances optimistically and up to max_inflight_appends
//              appends are in flight; a rejection drops back to probe;
//   snapshot:  an InstallSnapshot is being sent (paper 7); no AppendEntries until it is installed.
enum class ProgressState : std::uint8_t { probe = 0, replicate = 1, snapshot = 2 };
const char* progress_state_name(ProgressState state);

// A leader's view of one follower, for tests and adapters.
struct ProgressView {
  ProgressState state = ProgressState::probe;
  LogIndex next_index;
  LogIndex match_index;
  std::size_t inflight_appends = 0;  // replicate: unacknowledged appends carrying entries
  bool probe_sent = false;           // probe: an AppendEntries is out, nothing more until its reply
};

// What survived on stable storage; empty for a brand-new node.
struct DurableState {
  HardState hard_state;
  std::optional<Snapshot> snapshot;  // paper 7: the newest durable snapshot
  LogIndex log_base;                 // the log starts after this index (0: not compacted)
  Term log_base_term;
  std::vector<Entry> log;  // log[0] has index log_base + 1
};

class Raft {
 public:
  Raft(Config config, DurableState durable);
  ~Raft();
  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // The node's own clock (thesis 6.4.1), set by the host before each input; never goes back. Only lease
  // reads read it: a host that never calls it leaves the clock at 0, and leases then never end.
  void advance_clock(LocalTime now);
  // Whether any input may read that clock: only with lease reads or membership changes (thesis 6.4.1, 4.2.3;
  // every read of it is behind one of the two). Otherwise a host may skip advance_clock (issue 14: asking
  // the host's clock before every input was about 4 instructions per trace event, for nothing).
  bool reads_clock() const;

  // Inputs. Each appends to `out` (which the caller clears between calls if it wants).
  void start(Output& out);  // once, after construction: arms the election timer, reports the restored log
  void step(const Envelope& envelope, Output& out);
  void on_timer(TimerKind kind, Output& out);
  void on_persisted(std::uint64_t token, Output& out);
  // Persist request `token` failed (an I/O error): its term, vote, entries or snapshot are not durable. The
  // node stops for good (fail-stop, as etcd does: its server exits with a fatal error when saving the hard
  // state and entries to its WAL fails; LogCabin panics when its log cannot be written). Why not carry on: Figure 2's
  // "persist before responding" is what the node's past answers relied on; a vote granted or an append
  // acknowledged on top of a lost write may already have been counted by a candidate or leader, and a
  // node that kept running (or retried behind later writes) would answer on state a restart no longer
  // has. A stopped node emits one `stopped` observation and ignores every later input; its host ends the
  // process, and a restart recovers from what was durable (like a crash, paper 5.1).
  void on_persist_failed(std::uint64_t token, Output& out);
  bool stopped() const { return stopped_; }
  void on_client_request(const Command& command, Output& out);
  void on_client_request(Command&& command, Output& out);  // the same, taking the command's strings over
  // Thesis 3.10: hand leadership to `target` (nullopt: the most up-to-date peer). Ignored unless leader.
  void on_transfer_leadership(std::optional<NodeId> target, Output& out);
  // Thesis 4.1: add a node (as a learner, promoted once caught up: kind add_learner) or remove one. Queued
  // by the leader and proposed one at a time; ignored unless leader. Needs Config::membership.
  void on_membership_change(const ConfChange& change, Output& out);

  // Read-only views, for tests and adapters.
  NodeId id() const;
  Role role() const;
  Term term() const;
  std::optional<NodeId> voted_for() const;
  std::optional<NodeId> leader_hint() const;
  LogIndex commit_index() const;
  LogIndex last_applied() const;
  LogIndex last_log_index() const;
  Term log_term(LogIndex index) const;  // 0 for index 0 or beyond the log
  const std::vector<Entry>& log() const;  // log()[0] has index log_base_index() + 1
  LogIndex log_base_index() const;         // paper 7: entries up to here are compacted (0: none)
  std::optional<LogIndex> snapshot_index() const;  // the newest snapshot's last included index
  const KvStateMachine& state_machine() const;  // the applied state, with the client sessions (thesis 6.3)
  const Membership& membership() const;  // the configuration in force (thesis 4.1: the last in the log)
  // The leader's replication progress for `peer` (nullopt unless leader and `peer` is another member).
  std::optional<ProgressView> progress(NodeId peer) const;

  // Whole-state invariants (LogCabin style). Cheap enough for every step in debug builds.
  void check_invariants() const;

  struct State;  // defined in raft.cpp

 private:
  // One input: ignored once stopped (on_persist_failed), else `handle(State&)` between begin_input and
  // end_input (which persist and route what the handler produced).
  template <typename Handle>
  void run_input(Output& out, Handle&& handle);

  std::unique_ptr<State> state_;
  bool stopped_ = false;  // on_persist_failed: every later input is ignored
};

}  // namespace raft
