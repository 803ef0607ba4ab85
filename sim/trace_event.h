// The canonical event stream: the one public schema shared by the simulator (which writes it),
// the checkers and the reports (which read it). Plain integers only, so it hashes and replays exactly.
#pragma once

#include <cstdint>
#include <string_view>

namespace sim {

enum class EventKind : std::uint8_t {
  // Network. node = sender, peer = receiver; label = message kind; a = message term; b, c = kind-specific.
  send = 0,
  deliver = 1,
  drop_random = 2,     // lost by the lossy network
  drop_blocked = 3,    // the link was blocked (partition) at send or delivery time
  drop_node_down = 4,  // the receiver was crashed, or restarted since the message was sent
  duplicate = 5,       // the network delivered one extra copy
  // Node internals reported by the simulator. node = the node.
  timer_fired = 6,  // label = timer slot
  disk_write = 7,   // a = token, b = size in bytes
  disk_synced = 8,  // a = token; b = 1: the node is busy (processing time) and is told later (disk_notify)
  // Lifecycle and faults. node = the node (or -1 for cluster-wide faults).
  crash = 9,            // a = unsynced writes lost
  restart = 10,         // a = new incarnation, b = durable records reloaded
  pause = 11,
  resume = 12,
  partition = 13,       // a = bitmask of the first group (cluster-wide)
  block_link = 14,      // node -> peer blocked (one way)
  unblock_link = 15,
  heal = 16,
  stale_discarded = 17,  // an event for a dead incarnation was discarded; label = what it was
  // Observations reported by nodes (any Raft implementation). node = the node.
  role = 18,          // a = role (0 follower, 1 candidate, 2 leader, 3 pre-candidate), b = term
  vote = 19,          // a = term, b = candidate
  log_append = 20,    // a = index, b = term, c = entry digest
  log_truncate = 21,  // a = first removed index
  commit = 22,        // a = commit index
  apply = 23,         // a = index, b = term, c = entry digest
  // Clients. node = the node contacted (or -1), peer = client process.
  client_invoke = 24,  // label = op, a = operation id
  client_ok = 25,      // label = op, a = operation id, b/c = log index/term where applied (0 if unknown)
  client_fail = 26,    // label = op, a = operation id (definitely not applied)
  client_info = 27,    // label = op, a = operation id (outcome unknown)
  client_send = 28,    // one attempt: a = operation id, b = request id (the same for every attempt of an
                       // operation), c = attempt number (1, 2, ...; 0 in traces before format 3)
  client_reply = 29,   // a = request id, b = reply status, c = the attempt it answers (0: unknown)
  phase = 30,          // a = phase (0 faults, 1 liveness: everything healed), b = leader deadline (0: none)
  // More faults.
  clog_link = 31,     // node -> peer: messages are held, not lost, until unclogged
  unclog_link = 32,   // node -> peer: a = held messages released
  degrade_link = 33,  // node -> peer: a = drop, b = duplicate, c = late-delivery probability, in parts per million
  clock_rate = 34,    // node's clock runs at a / 1e6 of real time
  disk_speed = 35,    // node's disk latencies are multiplied by a / 1e6
  // An implementation reported a bug in itself (an adapter's observation): a = error code, b/c = details.
  // E.g. a send to a node id that does not exist. The implementation-error checker turns it into a finding.
  impl_error = 36,
  // Added in trace format 2 (docs/checkers.md): the facts that rule-level checkers need.
  timing = 37,          // first event of a run (node -1): a = election timeout min, b = max, c = heartbeat (us)
  client_request = 38,  // a client request reaches the node and the node handles it: peer = process,
                        // a = request id (as in its client_send)
  disk_notify = 39,     // a node learns that write a = token became durable after the device finished
                        // (disk_synced): a paused node at its resume, a busy one when it gets to it
  // Added in trace format 3: clients that retry (docs/history-format.md).
  client_retry = 40,      // the outcome of an attempt is unknown, the client sends the request again:
                          // node = the node it goes to, peer = process, a = operation id, b = request id,
                          // c = retry number (1 .. workload.retries_unknown)
  client_duplicate = 41,  // the network delivers one extra copy of a client message: node = the node,
                          // peer = process, a = request id, b = 0 (request to the node) or 1 (reply)
  // 42: unused.
  // Added in trace format 3: snapshots and log compaction (Raft paper 7, Figure 13). node = the node;
  // a = last included index, b = last included term, c = state digest (the node's digest of its state
  // machine's state after applying exactly entries 1..a, client sessions included).
  snapshot_taken = 43,      // the node snapshotted its state machine; its log may be compacted up to a (the
                            // compacted entries stay in the node's log as far as the stream is concerned)
  snapshot_installed = 44,  // a leader's snapshot replaced the node's state: its log is the committed log up
                            // to a, plus its own entries after a if it held entry a (a log_truncate first
                            // reports any it discarded); applied and committed are now a
  snapshot_restored = 45,   // at start (after restart): the state machine restored from the durable
                            // snapshot: applied and committed are a; log-append events follow from a + 1
  snapshot_chunk = 46,      // an InstallSnapshot chunk accepted, not the last: a = last included index,
                            // b = offset, c = bytes (a fault trigger: crash in the middle of an install)
  // Added in trace format 3: leadership transfer (thesis 3.10). The timing event's label carries the Raft
  // features switched on (bit 0 pre_vote, bit 1 check_quorum; sim/node_host.h RaftFeatures).
  transfer_request = 47,    // fault: node = the leader asked (-1: no live leader), peer = target (-1: any),
                            // a = 1 if the request reached the node (0: no leader up)
  transfer_start = 48,      // observation: the leader begins a transfer: a = target, b = term
  transfer_abandoned = 49,  // observation: the transfer did not end within an election timeout: a = target, b = term
  // Added in trace format 3: ReadIndex (thesis 6.4). The timing event's label bit 2 says it is on.
  read_served = 50,  // observation: a read answered without a log entry: a = read index, b = term, c = request id
  // Added in trace format 3: membership changes (thesis 4). The timing event's label bit 3 says they may
  // happen.
  membership_request = 51,  // fault: node = the leader asked (-1: no live leader), peer = the node to add or
                            // remove, label = 0 add / 1 remove, a = 1 if the request reached the node
  membership = 52,          // observation: the node's configuration is now a = voters (bit n = node n),
                            // b = learners, from the entry at index c (0: the initial configuration; a
                            // snapshot's index when the entry was compacted). In force as soon as appended
                            // (thesis 4.1); reported at start, and after each append, truncation or install
                            // that changes it
  // Added in trace format 3: leader leases (thesis 6.4.1). The timing event's label bit 4 says they are on.
  lease_read = 53,   // observation: a read answered under the leader's lease: a = commit index, b = term, c = request id
  lease_bound = 54,  // simulator, after timing when leases are on: a = the clock drift bound x 1e6 (cluster-wide)
  // Added in trace format 3: disk write errors (fault fail_disk_writes, docs/scenarios.md).
  disk_failed = 55,   // in place of disk_synced: write a = token completed with an I/O error and is not durable;
                      // b as disk_synced's (1: the busy node is told later, with a disk_notify)
  disk_errors = 56,   // fault: the node's disk fails (a = 1) or succeeds again (a = 0) for writes issued from now
  node_stopped = 57,  // observation: the node stopped itself after a fatal error, a = 1 (a disk write failed),
                      // b = the write's token; the host then ends its process (a crash event follows)
};

inline constexpr int kEventKindCount = 58;
// Version of the event stream (kinds and fields): 2 added timing, client_request and disk_notify; 3 added
// client_retry, client_duplicate, the attempt of client_send and client_reply, disk_synced's b, the
// feature bits of timing, the pre_candidate role, the snapshot events (43..46) and the leadership
// transfer events (47..49).
inline constexpr int kTraceFormatVersion = 3;

std::string_view event_kind_name(EventKind kind);

// pre_candidate (format 3): a node in a pre-vote round (thesis 9.6), its term unchanged.
enum class Role : std::uint8_t { follower = 0, candidate = 1, leader = 2, pre_candidate = 3 };

struct TraceEvent {
  std::int64_t time_us = 0;
  EventKind kind = EventKind::send;
  std::uint16_t label = 0;
  std::int32_t node = -1;
  std::int32_t peer = -1;
  std::uint32_t incarnation = 0;  // of `node`
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
};

// Names for the numeric labels (message kinds, timer slots, client ops), supplied by whoever produced
// the stream, so readers can print them without knowing the implementation.
struct LabelNames {
  virtual ~LabelNames() = default;
  virtual std::string_view message_kind(std::uint16_t label) const = 0;
  virtual std::string_view timer_slot(std::uint16_t label) const = 0;
};

std::string_view client_op_name(std::uint16_t label);
std::string_view role_name(std::uint64_t role);

}  // namespace sim
