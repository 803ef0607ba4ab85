#include "sim/network.h"

#include <algorithm>

#include "base/assert.h"

namespace sim {

Network::Network(std::uint32_t nodes, NetworkConfig config, Rng& rng)
    : nodes_(nodes),
      config_(config),
      rng_(rng),
      blocked_(static_cast<std::size_t>(nodes) * nodes, 0),
      clogged_(static_cast<std::size_t>(nodes) * nodes, 0),
      degraded_(static_cast<std::size_t>(nodes) * nodes) {
  RAFTSIM_ASSERT(nodes_ > 0);
  RAFTSIM_ASSERT(config_.drop_probability >= 0.0 && config_.drop_probability <= 1.0);
  RAFTSIM_ASSERT(config_.duplicate_probability >= 0.0 && config_.duplicate_probability <= 1.0);
}

Network::Decision Network::send(NodeIndex from, NodeIndex to) {
  RAFTSIM_ASSERT(from < nodes_ && to < nodes_);
  RAFTSIM_ASSERT(from != to);
  ++counters_.sent;
  Decision d;
  if (is_blocked(from, to)) {
    ++counters_.blocked;
    d.fate = Fate::blocked;
    return d;
  }
  // A lossless network with no degraded link (most runs, and every liveness phase) draws only the delay: what
  // the general path below draws there too, since a bernoulli of probability 0 draws nothing. Its five
  // bernoulli calls were about 25 instructions a message.
  if (degraded_links_ == 0 && config_.drop_probability == 0.0 && config_.duplicate_probability == 0.0) {
    d.first = config_.latency.draw(rng_);
    d.fate = Fate::delivered;
    return d;
  }
  // A healthy link draws nothing extra, so adding a degradation elsewhere leaves its choices unchanged.
  static const LinkDegradation kHealthy;
  const LinkDegradation& link = degraded_links_ == 0 ? kHealthy : degraded_[from * nodes_ + to];
  if (rng_.bernoulli(config_.drop_probability) || rng_.bernoulli(link.drop_probability)) {
    ++counters_.dropped;
    d.fate = Fate::dropped;
    return d;
  }
  // Independent delays per message: jitter is what reorders messages on a link.
  auto delay = [&] {
    Duration x = config_.latency.draw(rng_);
    if (rng_.bernoulli(link.late_probability)) {
      ++counters_.delayed_late;
      x = x + Duration::micros(rng_.between(link.late_min.us, link.late_max.us));
    }
    return x;
  };
  d.first = delay();
  if (rng_.bernoulli(config_.duplicate_probability) || rng_.bernoulli(link.duplicate_probability)) {
    ++counters_.duplicated;
    d.fate = Fate::duplicated;
    d.second = delay();
  } else {
    d.fate = Fate::delivered;
  }
  return d;
}

void Network::block(NodeIndex from, NodeIndex to) {
  RAFTSIM_ASSERT(from < nodes_ && to < nodes_);
  RAFTSIM_ASSERT(from != to);
  blocked_[from * nodes_ + to] = 1;
}

void Network::unblock(NodeIndex from, NodeIndex to) {
  RAFTSIM_ASSERT(from < nodes_ && to < nodes_);
  RAFTSIM_ASSERT(from != to);
  blocked_[from * nodes_ + to] = 0;
}

void Network::partition(const std::vector<std::uint32_t>& group_of) {
  RAFTSIM_ASSERT(group_of.size() == nodes_);
  for (NodeIndex a = 0; a < nodes_; ++a) {
    for (NodeIndex b = 0; b < nodes_; ++b) {
      blocked_[a * nodes_ + b] = (a != b && group_of[a] != group_of[b]) ? 1 : 0;
    }
  }
  RAFTSIM_ASSERT(!is_blocked(0, 0));
}

void Network::heal() {
  std::fill(blocked_.begin(), blocked_.end(), 0);
  std::fill(clogged_.begin(), clogged_.end(), 0);
  std::fill(degraded_.begin(), degraded_.end(), LinkDegradation{});
  degraded_links_ = 0;
  RAFTSIM_ASSERT(!any_blocked());
}

void Network::clear_blocks() {
  std::fill(blocked_.begin(), blocked_.end(), 0);
  RAFTSIM_ASSERT(!any_blocked());
}

void Network::set_clogged(NodeIndex from, NodeIndex to, bool clogged) {
  RAFTSIM_ASSERT(from < nodes_ && to < nodes_);
  RAFTSIM_ASSERT(from != to);
  clogged_[from * nodes_ + to] = clogged ? 1 : 0;
}

void Network::degrade(NodeIndex from, NodeIndex to, const LinkDegradation& d) {
  RAFTSIM_ASSERT(from < nodes_ && to < nodes_ && from != to);
  RAFTSIM_ASSERT(d.late_min <= d.late_max);
  LinkDegradation& slot = degraded_[from * nodes_ + to];
  if (slot.active() && !d.active()) --degraded_links_;
  if (!slot.active() && d.active()) ++degraded_links_;
  slot = d;
}

bool Network::any_blocked() const {
  return std::any_of(blocked_.begin(), blocked_.end(), [](std::uint8_t b) { return b != 0; });
}

}  // namespace sim
