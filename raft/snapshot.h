// Snapshots and the durable state (paper 7): how one PersistRequest changes what a node's disk holds.
// Shared by the reference node's restart (replaying its disk records) and the unit-test harness, so both
// read a disk exactly as output.h documents it.
#pragma once

#include "raft/output.h"
#include "raft/raft.h"

namespace raft {

// Applies one write to `disk`, in the order output.h documents: hard state, snapshot (and compaction),
// truncation, entries.
void apply_persist_request(DurableState& disk, const PersistRequest& request);

// A write that, replayed alone on an empty disk, gives `disk` (which must hold a snapshot): its hard state,
// its snapshot with the log base, and its whole log after the base. Written as a checkpoint once a snapshot
// is taken or installed, it replaces every record before it, so a node's disk stays as small as its
// compacted log (issue 14: memory bounded in simulated time; etcd releases its WAL up to a snapshot alike).
PersistRequest checkpoint_request(const DurableState& disk, std::uint64_t token);

// The size of one write as the simulator's disk model charges it (its latency grows with the bytes): the
// reference node and the process protocol's reference child report the same size for the same write.
std::uint32_t persist_request_size_bytes(const PersistRequest& request);

}  // namespace raft
