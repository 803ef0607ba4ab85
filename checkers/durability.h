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
  // logs (with a mirror of its own), who is down, and the acknowledgements matter.
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::restart) | kind_bit(sim::EventKind::client_ok);
  KindMask kinds() const override {
    if (!membership_.shared()) return kAllKinds;
    return mirror_.shared() ? kSetKinds : kLogMirrorKinds | kSetKinds;
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
  // Inline (nine events in ten): an act of a running node's current incarnation, already seen, passes
  // without a call; the rest (crash, restart, a node first seen, a violation) is observe_slow's.
  // One compare against the node count and one against live_ (a negative node is a huge unsigned one).
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    using K = sim::EventKind;
    if (e.kind != K::crash && e.kind != K::restart) {
      const auto n = static_cast<std::uint32_t>(e.kind == K::deliver ? e.peer : e.node);
      if (n < live_count_ && live_[n] == e.incarnation) return std::nullopt;
    }
    return observe_slow(e);
  }
  static constexpr KindMask kSetKinds =
      kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::restart) | kind_bit(sim::EventKind::deliver) |
      kind_bit(sim::EventKind::send) | kind_bit(sim::EventKind::timer_fired) | kind_bit(sim::EventKind::disk_write) |
      kind_bit(sim::EventKind::disk_synced) | kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::disk_failed) |
      kind_bit(sim::EventKind::node_stopped) | kind_bit(sim::EventKind::vote) | kind_bit(sim::EventKind::log_append) |
      kind_bit(sim::EventKind::log_truncate) | kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::apply) |
      kind_bit(sim::EventKind::pause) | kind_bit(sim::EventKind::resume);
  KindMask kinds() const override { return kSetKinds; }

 private:
  struct Node {
    bool alive = true;
    std::uint32_t incarnation = 0;  // 0: not seen yet
  };
  std::optional<Violation> check_alive(const sim::TraceEvent& e, std::int32_t node);
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::optional<Violation> judge(const sim::TraceEvent& e);  // observe_slow's verdict, before it syncs live_
  std::vector<Node> nodes_;
  // Per node of nodes_, the incarnation an act must carry to pass inline: the live incarnation while the
  // node runs (0 while not seen yet), kNoAct while it is down (no 32-bit incarnation equals it). So
  // live_[n] == e.incarnation is exactly judge()'s pass for an act of a known node (an act of incarnation 0
  // at a node not seen yet passes either way, and changes nothing). Rebuilt from nodes_ after each judge().
  static constexpr std::uint64_t kNoAct = std::uint64_t{1} << 32;
  std::vector<std::uint64_t> live_;
  std::uint32_t live_count_ = 0;  // live_.size()
};

}  // namespace checkers
