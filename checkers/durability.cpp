#include "checkers/durability.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> Durability::observe(const sim::TraceEvent& e) {
  mirror_.update(e);
  membership_.observe(e);
  if (e.node >= 0 && (e.kind == sim::EventKind::crash || e.kind == sim::EventKind::restart)) {
    RAFTSIM_ASSERT(membership_->nodes() > e.node);
    const auto nodes = static_cast<std::size_t>(membership_->nodes());
    if (crashed_.size() < nodes) crashed_.resize(nodes, false);
    if (e.kind == sim::EventKind::crash) crashed_[static_cast<std::size_t>(e.node)] = true;
    if (e.kind == sim::EventKind::restart) crashed_[static_cast<std::size_t>(e.node)] = false;
  }
  if (e.kind == sim::EventKind::client_ok && e.b != 0) acked_.push_back(Acked{e.a, e.b, e.c, e.time_us});
  return std::nullopt;
}

std::optional<Violation> Durability::finish(std::int64_t end_time_us) {
  const bool all_running = std::none_of(crashed_.begin(), crashed_.end(), [](bool c) { return c; });
  const std::int32_t nodes = membership_->nodes();
  if (!all_running || nodes == 0) return std::nullopt;  // a crashed node's log is unknown: nothing to judge
  const std::int32_t majority = nodes / 2 + 1;
  for (const Acked& a : acked_) {
    std::int32_t holders = 0;
    for (std::int32_t n = 0; n < nodes; ++n) {
      const LogMirror::Slot* slot = mirror_->at(n, a.index);
      holders += slot != nullptr && slot->term == a.term;
    }
    RAFTSIM_ASSERT(holders <= nodes);
    if (membership_->active()) {
      const auto holds_in = [&](std::uint64_t mask) {
        std::size_t count = 0;
        for (std::int32_t n = 0; n < nodes && n < 64; ++n) {
          const LogMirror::Slot* slot = mirror_->at(n, a.index);
          count += MembershipView::has(mask, n) && slot != nullptr && slot->term == a.term ? 1 : 0;
        }
        return count;
      };
      const auto& sets = membership_->seen_voter_sets();
      if (std::any_of(sets.begin(), sets.end(), [&](std::uint64_t m) { return holds_in(m) >= MembershipView::majority(m); })) continue;
    }
    if (holders < majority) {
      return Violation{name(), Severity::safety, end_time_us, {},
                       fmt::format("operation {} was acknowledged at {:.3f}ms as log index {} (term {}), but at the "
                                   "end only {} of {} nodes hold that entry: an acknowledged write was lost",
                                   a.op_id, static_cast<double>(a.time_us) / 1000.0, a.index, a.term, holders,
                                   nodes)};
    }
  }
  return std::nullopt;
}

std::optional<Violation> DeadIncarnation::check_alive(const sim::TraceEvent& e, std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  if (static_cast<std::size_t>(node) >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(node) + 1);
  Node& s = nodes_[static_cast<std::size_t>(node)];
  if (!s.alive) {
    return Violation{name(), Severity::safety, e.time_us, {node},
                     fmt::format("node {} is crashed, yet a {} event happened at it", node, sim::event_kind_name(e.kind))};
  }
  if (s.incarnation == 0) s.incarnation = e.incarnation;
  if (e.incarnation != s.incarnation) {
    return Violation{name(), Severity::safety, e.time_us, {node},
                     fmt::format("a {} event of incarnation {} happened at node {}, whose live incarnation is {}",
                                 sim::event_kind_name(e.kind), e.incarnation, node, s.incarnation)};
  }
  return std::nullopt;
}

std::optional<Violation> DeadIncarnation::observe_slow(const sim::TraceEvent& e) {
  std::optional<Violation> v = judge(e);
  // Rarely here (a crash, a restart, a node's first act, a violation): rebuild the inline path's table.
  live_.resize(nodes_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n) live_[n] = nodes_[n].alive ? nodes_[n].incarnation : kNoAct;
  live_count_ = static_cast<std::uint32_t>(live_.size());
  RAFTSIM_ASSERT(live_count_ == nodes_.size());
  // kNoAct must stay apart from every real incarnation (32 bits), or a down node would pass the inline test.
  for (std::size_t n = 0; n < nodes_.size(); ++n) RAFTSIM_ASSERT(!nodes_[n].alive || live_[n] < kNoAct);
  return v;
}

std::optional<Violation> DeadIncarnation::judge(const sim::TraceEvent& e) {
  using K = sim::EventKind;
  switch (e.kind) {
    case K::crash:
      if (auto v = check_alive(e, e.node)) return v;  // crashing twice without a restart
      nodes_[static_cast<std::size_t>(e.node)].alive = false;
      return std::nullopt;
    case K::restart: {
      if (static_cast<std::size_t>(e.node) >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(e.node) + 1);
      Node& s = nodes_[static_cast<std::size_t>(e.node)];
      if (s.alive || e.a <= s.incarnation) {
        return Violation{name(), Severity::safety, e.time_us, {e.node},
                         fmt::format("node {} restarted as incarnation {} while {} (incarnation {})", e.node, e.a,
                                     s.alive ? "running" : "crashed", s.incarnation)};
      }
      s.alive = true;
      s.incarnation = static_cast<std::uint32_t>(e.a);
      return std::nullopt;
    }
    case K::deliver:
      return check_alive(e, e.peer);  // the receiver acts; the sender may have crashed since it sent
    case K::send:
    case K::timer_fired:
    case K::disk_write:
    case K::disk_synced:
    case K::disk_failed:
    case K::node_stopped:
    case K::role:
    case K::vote:
    case K::log_append:
    case K::log_truncate:
    case K::commit:
    case K::apply:
    case K::pause:
    case K::resume:
      return check_alive(e, e.node);
    default:
      return std::nullopt;
  }
}

}  // namespace checkers
