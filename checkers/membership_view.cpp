#include "checkers/membership_view.h"

#include <algorithm>

#include "base/assert.h"

namespace checkers {

MembershipView::Config& MembershipView::slot(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  const auto n = static_cast<std::size_t>(node);
  if (n >= configs_.size()) configs_.resize(n + 1);
  return configs_[n];
}

const MembershipView::Config& MembershipView::config_of(std::int32_t node) const {
  static const Config kUnknown;
  RAFTSIM_ASSERT(node >= 0);
  const auto n = static_cast<std::size_t>(node);
  return n < configs_.size() ? configs_[n] : kUnknown;
}

std::int64_t MembershipView::changed_at_us(std::int32_t node) const {
  const auto n = static_cast<std::size_t>(node);
  return node >= 0 && n < changed_at_us_.size() ? changed_at_us_[n] : -1;
}

std::uint64_t MembershipView::voters_of(std::int32_t node) const {
  const Config& c = config_of(node);
  return c.known ? c.voters : all_nodes();
}

void MembershipView::observe_change(const sim::TraceEvent& e) {
  RAFTSIM_ASSERT(e.node >= 0 && e.node < nodes_);
  if (e.kind == sim::EventKind::membership) {
    active_ = true;
    Config& c = slot(e.node);
    const auto n = static_cast<std::size_t>(e.node);
    if (n >= changed_at_us_.size()) changed_at_us_.resize(n + 1, -1);
    if (!c.known || c.voters != e.a) changed_at_us_[n] = e.time_us;
    c = Config{e.a, e.b, e.c, true};
    if (std::find(seen_.begin(), seen_.end(), e.a) == seen_.end()) seen_.push_back(e.a);
    return;
  }
  if (e.kind == sim::EventKind::commit) {
    const Config& c = config_of(e.node);
    // The node's configuration entry is at or below its commit index: that configuration is committed.
    if (c.known && c.index <= e.a && (!committed_.known || c.index >= committed_.index)) committed_ = c;
  }
}

}  // namespace checkers
