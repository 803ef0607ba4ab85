#include "sim/disk.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/assert.h"

namespace sim {

Time Disk::write(Time now, DiskWrite w, Rng& rng) {
  RAFTSIM_ASSERT(w.record != nullptr);
  RAFTSIM_ASSERT_MSG(pending_.size() < config_->max_pending_writes, "disk queue bound exceeded");
  // Two draws from one stream, sequenced explicitly: C++ leaves the order of `a.draw() + b.draw()`
  // unspecified (g++ drew fsync first, clang write first). fsync first keeps g++'s traces, and with them
  // every existing failure record and regression seed.
  const Duration fsync_part = config_->fsync_latency.draw(rng);
  const Duration write_part = config_->write_latency.draw(rng);
  Duration latency = write_part + fsync_part + transfer_time(w.size_bytes);
  if (speed_factor_ != 1.0) latency = Duration::micros(static_cast<std::int64_t>(static_cast<double>(latency.us) * speed_factor_));
  Time done;
  if (config_->group_commit) {
    done = group_commit_done(now, latency);
  } else {
    // A disk serves writes in order: this one cannot finish before the previous one.
    done = std::max(now, last_completion_) + latency;
    last_completion_ = done;
  }
  // Completions are delivered in write order only if no two share an instant (equal times are ordered by
  // a random tie-break): with zero latency two writes would. Never changes a run with positive latency,
  // where completion times already strictly increase.
  if (last_done_.has_value() && done <= *last_done_) done = *last_done_ + Duration::micros(1);
  last_done_ = done;
  RAFTSIM_ASSERT(done >= now);
  ++counters_.writes;
  counters_.bytes_written += w.size_bytes;
  pending_.push_back(Pending{std::move(w), failing_ || poisoned_});
  return done;
}

// The time a write of `bytes` spends moving its data at the configured bandwidth (rounded up to whole
// microseconds: a non-empty write is never free once a bandwidth is set).
Duration Disk::transfer_time(std::uint32_t bytes) const {
  RAFTSIM_ASSERT(config_->bandwidth_mb_per_s >= 0);
  if (config_->bandwidth_mb_per_s == 0 || bytes == 0) return Duration::micros(0);
  const double us = std::ceil(static_cast<double>(bytes) / config_->bandwidth_mb_per_s);
  RAFTSIM_ASSERT(us >= 1);
  return Duration::micros(static_cast<std::int64_t>(us));
}

// last_completion_ is when the running fsync ends; next_batch_done_, if set, is when the next write that
// joins the batch waiting behind it completes.
Time Disk::group_commit_done(Time now, Duration latency) {
  if (next_batch_done_.has_value() && now >= last_completion_) {
    last_completion_ = *next_batch_done_;  // the waiting batch has started: it is the running one now
    next_batch_done_.reset();
  }
  if (now >= last_completion_) {
    last_completion_ = now + latency;  // the device is idle: this write's own fsync starts now
    return last_completion_;
  }
  // Join the batch that the next fsync covers (it starts when the running one ends). Joiners complete one
  // microsecond apart, so the host sees the completions in write order.
  const Time done = next_batch_done_.value_or(last_completion_ + std::max(latency, Duration::micros(1)));
  next_batch_done_ = done + Duration::micros(1);
  RAFTSIM_ASSERT(done > last_completion_);
  return done;
}

bool Disk::sync(std::uint64_t token) {
  RAFTSIM_ASSERT(!pending_.empty());
  RAFTSIM_ASSERT(pending_.front().write.token == token);
  if (pending_.front().fails) {
    // An I/O error: the record never reaches the durable sequence (a restart does not see it), and a
    // failed checkpoint releases nothing. Every later write of this incarnation fails as well (set_failing).
    pending_.pop_front();
    ++counters_.failed;
    poisoned_ = true;
    for (Pending& p : pending_) p.fails = true;
    return false;
  }
  // Writes complete in order, so every record before a checkpoint is durable when it is: none is pending.
  if (pending_.front().write.replaces_earlier) durable_.clear();
  durable_.push_back(std::move(pending_.front().write.record));
  pending_.pop_front();
  ++counters_.synced;
  RAFTSIM_ASSERT(durable_.size() <= counters_.synced);
  return true;
}

void Disk::set_speed_factor(double factor) {
  RAFTSIM_ASSERT(factor > 0.0);
  RAFTSIM_ASSERT(factor <= 1e6);
  speed_factor_ = factor;
}

std::uint64_t Disk::crash() {
  poisoned_ = false;  // the next incarnation reads back what is durable and writes on from there
  const std::uint64_t lost = pending_.size();
  counters_.lost_on_crash += lost;
  pending_.clear();
  // The lost writes no longer occupy the device: the next incarnation's first write starts fresh.
  last_completion_ = Time{};
  next_batch_done_.reset();
  last_done_.reset();
  RAFTSIM_ASSERT(pending_.empty());
  return lost;
}

}  // namespace sim
