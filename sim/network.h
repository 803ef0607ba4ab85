// The simulated network: per-link latency, random loss and duplication, reordering through latency
// jitter, and link blocking (a partition is a set of blocked directed links). It decides the fate of
// each message and counts every decision; the Simulation schedules the deliveries.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/latency.h"
#include "sim/node_host.h"
#include "sim/rng.h"

namespace sim {

struct NetworkConfig {
  LatencyModel latency;
  double drop_probability = 0.0;
  double duplicate_probability = 0.0;
};

// A temporary degradation of one directed link, on top of the network's own loss and latency: bursts of
// loss, duplication, reordering (extra jitter) or stale delivery (rare, very late messages, so that an
// old term arrives long after it was sent).
struct LinkDegradation {
  double drop_probability = 0.0;
  double duplicate_probability = 0.0;
  double late_probability = 0.0;  // each message is delayed by an extra draw from [late_min, late_max]
  Duration late_min{};
  Duration late_max{};
  bool active() const { return drop_probability > 0 || duplicate_probability > 0 || late_probability > 0; }
};

struct NetworkCounters {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;      // random loss
  std::uint64_t duplicated = 0;   // extra copies created
  std::uint64_t blocked = 0;      // lost to a blocked link
  std::uint64_t node_down = 0;    // lost because the receiver was down or restarted
  std::uint64_t delayed_late = 0;  // given an extra (stale-delivery) delay
  std::uint64_t held = 0;          // held on a clogged link
};

class Network {
 public:
  Network(std::uint32_t nodes, NetworkConfig config, Rng& rng);

  enum class Fate : std::uint8_t { blocked, dropped, delivered, duplicated };
  struct Decision {
    Fate fate = Fate::delivered;
    Duration first;   // delay of the first copy (delivered or duplicated)
    Duration second;  // delay of the extra copy (duplicated only)
  };
  // Decides what happens to one message sent now on from -> to, and counts it.
  Decision send(NodeIndex from, NodeIndex to);

  bool is_blocked(NodeIndex from, NodeIndex to) const { return blocked_[from * nodes_ + to] != 0; }
  void block(NodeIndex from, NodeIndex to);
  void unblock(NodeIndex from, NodeIndex to);
  // Two-way partition: every link between different groups is blocked, every other link unblocked.
  // `group_of[i]` is node i's group.
  void partition(const std::vector<std::uint32_t>& group_of);
  void heal();  // unblocks, unclogs and restores every link
  void clear_blocks();
  bool any_blocked() const;

  bool is_clogged(NodeIndex from, NodeIndex to) const { return clogged_[from * nodes_ + to] != 0; }
  void set_clogged(NodeIndex from, NodeIndex to, bool clogged);
  void degrade(NodeIndex from, NodeIndex to, const LinkDegradation& d);
  const LinkDegradation& degradation(NodeIndex from, NodeIndex to) const { return degraded_[from * nodes_ + to]; }
  // Some link is degraded (has a drop, duplicate or late-delivery probability): else every degradation() is healthy.
  bool any_degraded() const { return degraded_links_ != 0; }

  NetworkCounters& counters() { return counters_; }
  const NetworkCounters& counters() const { return counters_; }
  const NetworkConfig& config() const { return config_; }
  std::uint32_t nodes() const { return nodes_; }

 private:
  std::uint32_t nodes_;
  NetworkConfig config_;
  Rng& rng_;
  std::vector<std::uint8_t> blocked_;  // nodes_ x nodes_, row = from
  std::vector<std::uint8_t> clogged_;
  std::vector<LinkDegradation> degraded_;
  std::size_t degraded_links_ = 0;  // fast path: no per-link draws while nothing is degraded
  NetworkCounters counters_;
};

}  // namespace sim
