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

}  // namespace raft
