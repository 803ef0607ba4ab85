// A node's simulated stable storage: an append-only sequence of opaque records. A write becomes durable
// (synced) after its write + fsync latency; writes complete in order. A crash discards every record not
// yet synced; a restart sees exactly the synced records.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "sim/latency.h"
#include "sim/node_host.h"
#include "sim/rng.h"

namespace sim {

struct DiskConfig {
  LatencyModel write_latency{LatencyModel::Kind::uniform, Duration::micros(50), Duration::micros(200)};
  LatencyModel fsync_latency{LatencyModel::Kind::uniform, Duration::micros(500), Duration::millis(2)};
  std::uint32_t max_pending_writes = 4096;  // bound on the queue of unsynced writes per node
  // true (the default): writes issued while an fsync is running share the next fsync, as storage engines
  // with group commit do (etcd's WAL, libraft's uv backend). false: every write pays its own write + fsync
  // after the previous one completes, so a burst queues up behind a slow fsync and drains slowly.
  bool group_commit = true;
  // Sequential write bandwidth in MB/s (bytes per microsecond): a write of B bytes takes B / bandwidth
  // microseconds on top of its write latency, so a big write (a snapshot, paper 7) is slow where a log
  // append is not. 0 (the default): a write's size costs nothing, as before this field existed.
  double bandwidth_mb_per_s = 0;
};

struct DiskCounters {
  std::uint64_t writes = 0;
  std::uint64_t synced = 0;  // records made durable, including those a checkpoint replaced since
  std::uint64_t lost_on_crash = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t failed = 0;  // writes that completed with an I/O error (fault fail_disk_writes): never durable
};

class Disk {
 public:
  explicit Disk(const DiskConfig& config) : config_(&config) {}

  // Queues a write issued at `now`; returns the time it becomes durable (never before an earlier write).
  // By value: the caller moves its write in (the record keeps one owner, no reference count traffic).
  Time write(Time now, DiskWrite w, Rng& rng);
  // Completes the oldest pending write; its token must be `token`. Returns true if it is now durable, false
  // if it was issued while the disk was failing: it completed with an I/O error and its record is dropped.
  bool sync(std::uint64_t token);

  // Discards every pending write; returns how many were lost.
  std::uint64_t crash();

  // The durable records a restarted node reads: from the latest durable checkpoint on (all if none).
  std::span<const PayloadPtr> durable() const { return durable_; }
  std::size_t pending() const { return pending_.size(); }
  // A slow disk (a fault): every later write takes `factor` times as long. 1 is normal.
  void set_speed_factor(double factor);
  const DiskCounters& counters() const { return counters_; }
  // A failing disk (a fault): every write issued while it is on completes, after its usual latency, with an
  // I/O error instead of becoming durable (a full or dying device, EIO from fsync). Writes already issued
  // are unaffected; so are writes issued after it is switched off, unless a write has failed meanwhile:
  // after an I/O error the file's state is unknown (fsync's error is reported once, PostgreSQL's
  // "fsyncgate"), so every later write of the incarnation fails too, and only a restart, which reads back
  // what is durable, clears it. Without that, a write issued after the window but before the node learned
  // of the failure became durable beyond a lost one: a gap in the log. Draws nothing: a run's other
  // timings stay as they were.
  void set_failing(bool failing) { failing_ = failing; }
  bool failing() const { return failing_; }

 private:
  Time group_commit_done(Time now, Duration latency);
  Duration transfer_time(std::uint32_t bytes) const;  // when a write issued now is durable

  const DiskConfig* config_;
  std::vector<PayloadPtr> durable_;
  struct Pending {
    DiskWrite write;
    bool fails = false;  // issued while the disk was failing
  };
  std::deque<Pending> pending_;
  Time last_completion_{};
  // Group commit: the fsync running now ends at last_completion_; the next one (if any writes wait for
  // it) ends at next_batch_done_.
  std::optional<Time> next_batch_done_;
  std::optional<Time> last_done_;  // when the latest write issued completes: the next one completes later
  double speed_factor_ = 1.0;
  bool failing_ = false;
  bool poisoned_ = false;  // a write of this incarnation failed: every later one fails (until crash())
  DiskCounters counters_;
};

}  // namespace sim
