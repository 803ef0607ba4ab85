#include "checkers/checker.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "base/assert.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_view.h"
#include "checkers/standard_dispatch.h"
#include "checkers/standard_set.h"

namespace checkers {

CheckerSet::CheckerSet() : mirror_(std::make_unique<LogMirror>()), membership_(std::make_unique<MembershipView>()) {}
CheckerSet::~CheckerSet() = default;
CheckerSet::CheckerSet(CheckerSet&&) noexcept = default;
CheckerSet& CheckerSet::operator=(CheckerSet&&) noexcept = default;

void CheckerSet::add(std::unique_ptr<Checker> checker) {
  RAFTSIM_ASSERT(checker != nullptr);
  const KindMask kinds = checker->kinds();
  RAFTSIM_ASSERT(kinds != 0);  // a checker that observes nothing is a mistake
  RAFTSIM_ASSERT(membership_->nodes() == 0);  // before the stream: the shared views must see all of it
  for (int k = 0; k < sim::kEventKindCount; ++k) {
    if ((kinds >> k) & 1U) by_kind_[static_cast<std::size_t>(k)].push_back(checker.get());
  }
  if (checker->has_deadline()) timed_.push_back(checker.get());
  kinds_.push_back(kinds);
  order_.push_back(checker.get());
  checkers_.push_back(std::move(checker));
  RAFTSIM_ASSERT(kinds_.size() == checkers_.size() && order_.size() == checkers_.size());
  standard_ = StandardDispatch::make(checkers_, kinds_, *mirror_, *membership_);
}

bool CheckerSet::on_event(const sim::TraceEvent& event) {
  if (violation_) return false;
  // The same steps as on_event_generic's, without virtual calls; a tail call (no frame here).
  if (standard_ != nullptr) [[likely]] return standard_->dispatch(event, violation_);  // (never for an empty set)
  // No checker (every one disabled, e.g. raftsim_bench --checkers-off): nothing reads the shared views.
  if (checkers_.empty()) return true;
  return on_event_generic(event);
}

bool CheckerSet::on_event_generic(const sim::TraceEvent& event) {
  RAFTSIM_ASSERT(!violation_);
  const auto kind = static_cast<std::size_t>(event.kind);
  RAFTSIM_ASSERT(kind < by_kind_.size());
  RAFTSIM_ASSERT(mirror_ != nullptr);  // not moved from
  RAFTSIM_ASSERT(!checkers_.empty());  // on_event returned already
  if ((kLogMirrorKinds & kind_bit(event.kind)) != 0) mirror_->update(event);
  membership_->observe(event);
  for (const Checker* c : timed_) {
    if (event.time_us > c->due_after_us()) return observe_due(order_, kinds_, event, violation_);
  }
  for (Checker* c : by_kind_[kind]) {
    if (auto v = c->observe(event)) {
      violation_ = std::move(v);
      return false;
    }
  }
  return true;
}

// As on_event's loop, with the checkers whose deadline passed added, in the set's order.
bool observe_due(const std::vector<Checker*>& checkers, const std::vector<KindMask>& kinds,
                 const sim::TraceEvent& event, std::optional<Violation>& out) {
  RAFTSIM_ASSERT(checkers.size() == kinds.size());
  RAFTSIM_ASSERT(!out.has_value());
  for (std::size_t i = 0; i < checkers.size(); ++i) {
    Checker& c = *checkers[i];
    const bool due = c.has_deadline() && event.time_us > c.due_after_us();
    if ((kinds[i] & kind_bit(event.kind)) == 0 && !due) continue;
    if (auto v = c.observe(event)) {
      out = std::move(v);
      return false;
    }
  }
  return true;
}

void CheckerSet::finish(std::int64_t end_time_us) {
  if (violation_) return;
  for (auto& c : checkers_) {
    if (auto v = c->finish(end_time_us)) {
      violation_ = std::move(v);
      return;
    }
  }
}

bool CheckerSet::dispatches_full() const { return standard_ != nullptr && standard_->full(); }

std::vector<std::string> CheckerSet::names() const {
  std::vector<std::string> out;
  for (const auto& c : checkers_) {
    for (std::string& rule : c->rule_names()) out.push_back(std::move(rule));
  }
  return out;
}

CheckerSet make_default_checkers(const std::vector<std::string>& disabled) {
  CheckerSet set;
  const LogMirror& mirror = set.shared_mirror();
  const MembershipView& membership = set.shared_membership();
  std::vector<std::unique_ptr<Checker>> all;
  // The one list (checkers/standard_set.h) that StandardDispatch dispatches to directly.
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (all.push_back(make_standard_checker<std::tuple_element_t<I, StandardCheckers>>(mirror, membership)), ...);
  }(std::make_index_sequence<std::tuple_size_v<StandardCheckers>>{});
  std::size_t muted = 0;
  for (auto& c : all) {
    const std::vector<std::string> rules = c->rule_names();
    std::size_t off = 0;
    for (const std::string& rule : rules) {
      if (std::find(disabled.begin(), disabled.end(), rule) == disabled.end()) continue;
      ++off;
      if (rules.size() > 1) RAFTSIM_ASSERT(c->disable_rule(rule));
    }
    muted += off;
    if (off < rules.size()) set.add(std::move(c));
  }
  RAFTSIM_ASSERT_MSG(muted == disabled.size(), "disabling a checker that does not exist (or twice)");
  return set;
}

std::vector<std::string> default_checker_names() { return make_default_checkers().names(); }

}  // namespace checkers
