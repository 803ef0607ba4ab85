#include "raft/snapshot.h"

#include <algorithm>

#include "base/assert.h"

namespace raft {

void apply_persist_request(DurableState& disk, const PersistRequest& r) {
  if (r.hard_state) disk.hard_state = *r.hard_state;
  const std::uint64_t base = disk.log_base.value;
  if (r.snapshot) {
    // Paper 7: the snapshot replaces the log up to log_base; the entries after it stay if the log holds
    // log_base with its term (compaction; Figure 13 rule 6), else the whole log goes (rule 7).
    const SnapshotWrite& w = *r.snapshot;
    RAFTSIM_ASSERT(w.log_base <= w.snapshot.index);
    const std::uint64_t to = w.log_base.value;
    const bool has = to >= base && to <= base + disk.log.size() &&
                     (to == base ? disk.log_base_term == w.log_base_term : disk.log[to - base - 1].term() == w.log_base_term);
    if (has) {
      disk.log.erase(disk.log.begin(), disk.log.begin() + static_cast<std::ptrdiff_t>(to - base));
    } else {
      disk.log.clear();
    }
    disk.log_base = w.log_base;
    disk.log_base_term = w.log_base_term;
    disk.snapshot = w.snapshot;
  }
  const std::uint64_t first = disk.log_base.value + 1;  // index of disk.log[0]
  if (r.truncate_from) {
    RAFTSIM_ASSERT(r.truncate_from->value >= 1);
    const std::uint64_t keep = r.truncate_from->value <= first ? 0 : r.truncate_from->value - first;
    if (keep < disk.log.size()) disk.log.erase(disk.log.begin() + static_cast<std::ptrdiff_t>(keep), disk.log.end());
  }
  if (!r.entries.empty()) {
    // Entries at or below the base are in the snapshot already.
    std::size_t skip = 0;
    if (r.first_index.value < first) skip = std::min<std::size_t>(r.entries.size(), first - r.first_index.value);
    RAFTSIM_ASSERT_MSG(skip == r.entries.size() || r.first_index.value + skip == first + disk.log.size(),
                       "a disk record would leave a gap in the log");
    disk.log.insert(disk.log.end(), r.entries.begin() + static_cast<std::ptrdiff_t>(skip), r.entries.end());
  }
}

PersistRequest checkpoint_request(const DurableState& disk, std::uint64_t token) {
  RAFTSIM_ASSERT(disk.snapshot.has_value());
  RAFTSIM_ASSERT(disk.log_base <= disk.snapshot->index);
  PersistRequest r;
  r.token = token;
  r.hard_state = disk.hard_state;
  r.snapshot = SnapshotWrite{*disk.snapshot, disk.log_base, disk.log_base_term};
  r.first_index = disk.log_base.next();
  r.entries = disk.log;
  return r;
}

std::uint32_t persist_request_size_bytes(const PersistRequest& r) {
  std::size_t bytes = 32;  // header, hard state
  for (const Entry& e : r.entries) {
    const Command& c = e.command();
    bytes += 24 + c.key.size() + c.value.size() + c.expected.size();
  }
  // A snapshot is written whole: its size makes a big one slow on the disk model (paper 7's cost).
  if (r.snapshot.has_value()) bytes += 24 + r.snapshot->snapshot.data.size();
  return static_cast<std::uint32_t>(bytes);
}

}  // namespace raft
