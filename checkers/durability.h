// Durability of acknowledged operations: every operation a client saw acknowledged (ok) must survive
// every crash. At the end of a run in which every node is running (the liveness phase restarts them),
// the entry it was applied as (log index and term, reported with the ok) must be in the logs of a
// majority of the nodes. (While a node is down its durable log is unknown to the event stream.)
// Acknowledgements without a log position (an implementation that does not report one) are not checked.
#pragma once

#include <vector>

#include "checkers/checker.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_view.h"

namespace checkers {

class Durability final : public Checker {
 public:
  Durability() = default;  // with a mirror of its own
  explicit Durability(const LogMirror& shared) : mirror_(shared) {}
  Durability(const LogMirror& shared, const MembershipView& shared_membership) : mirror_(shared), membership_(shared_membership) {}
  const char* name() const override { return "durability"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  // With the shared configuration view (which counts the nodes every event shows), only what changes the
  // logs, who is down, and the acknowledgements matter.
  KindMask kinds() const override {
    using K = sim::EventKind;
    return membership_.shared() ? kLogMirrorKinds | kind_bit(K::crash) | kind_bit(K::restart) | kind_bit(K::client_ok)
                                : kAllKinds;
  }
  std::optional<Violation> finish(std::int64_t end_time_us) override;

 private:
  struct Acked {
    std::uint64_t op_id;
    std::uint64_t index;
    std::uint64_t term;
    std::int64_t time_us;
  };
  MirrorView mirror_;
  std::vector<Acked> acked_;
  std::vector<bool> crashed_;  // per node, at the current point of the stream (a node never reported down: false)
  // Thesis 4.1: with membership changes, on a majority of the voters of a configuration the cluster has
  // been in (spares never added and removed nodes need not hold it). Its nodes() is the cluster size as far
  // as the stream has shown it.
  MembershipFeed membership_;
};

// No activity from a dead incarnation: a crashed node sends nothing, fires no timer, writes nothing and
// changes no state until it restarts, and afterwards only its new incarnation acts.
class DeadIncarnation final : public Checker {
 public:
  const char* name() const override { return "dead-incarnation"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override {
    using K = sim::EventKind;
    return kind_bit(K::crash) | kind_bit(K::restart) | kind_bit(K::deliver) | kind_bit(K::send) |
           kind_bit(K::timer_fired) | kind_bit(K::disk_write) | kind_bit(K::disk_synced) | kind_bit(K::role) |
           kind_bit(K::disk_failed) | kind_bit(K::node_stopped) |
           kind_bit(K::vote) | kind_bit(K::log_append) | kind_bit(K::log_truncate) | kind_bit(K::commit) |
           kind_bit(K::apply) | kind_bit(K::pause) | kind_bit(K::resume);
  }

 private:
  struct Node {
    bool alive = true;
    std::uint32_t incarnation = 0;  // 0: not seen yet
  };
  std::optional<Violation> check_alive(const sim::TraceEvent& e, std::int32_t node);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::vector<Node> nodes_;
};

}  // namespace checkers
