#include "checkers/log_matching.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace checkers {

std::optional<Violation> LogMatching::observe(const sim::TraceEvent& e) {
  if (auto problem = mirror_.apply(e)) return Violation{name(), Severity::safety, e.time_us, {e.node}, *problem};
  if (e.kind != sim::EventKind::log_append) return std::nullopt;
  const LogMirror::Slot* slot = mirror_->at(e.node, e.a);
  RAFTSIM_ASSERT(slot != nullptr && slot->term == e.b);
  auto [it, inserted] = seen_.emplace(std::make_pair(e.a, e.b), First{slot->chain, e.node});
  if (!inserted && it->second.chain != slot->chain) {
    return Violation{name(), Severity::safety, e.time_us, {it->second.node, e.node},
                     fmt::format("node {} and node {} both have an entry at index {} in term {}, but their logs "
                                 "differ at or before that index",
                                 it->second.node, e.node, e.a, e.b)};
  }
  return std::nullopt;
}

}  // namespace checkers
