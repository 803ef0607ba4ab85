// CheckerSet's dispatch for the standard checkers (issue 14 goal 1: instructions per trace event). The
// generic dispatch calls each checker that reads an event's kind through its vtable and gets a
// std::optional<Violation> back: about 30 to 60 instructions a call for bodies that mostly do a compare
// and a store. Here the set's checkers are known by their concrete (final) types, so that for each event
// kind one function, generated at compile time, calls exactly the checkers that read that kind, in the
// set's order, directly: the compiler inlines the fast paths the checkers keep in their headers and the
// optional of a passing check disappears. The verdict is the same as the generic dispatch's: the same
// checkers see the same events in the same order, and the first violation at an event wins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/assert.h"
#include "checkers/checker.h"
#include "sim/trace_event.h"

namespace checkers {

class LogMirror;
class MembershipView;

class StandardDispatch {
 public:
  // For a set whose checkers are, in order, some of the standard checkers in make_default_checkers'
  // order (at least one), each reading the kinds it reads with the set's shared views (kSetKinds);
  // otherwise nullptr (the set dispatches generically). `kinds` are each checker's kinds(); the views are
  // the set's, which dispatch() applies.
  static std::unique_ptr<StandardDispatch> make(const std::vector<std::unique_ptr<Checker>>& checkers,
                                                const std::vector<KindMask>& kinds, LogMirror& mirror,
                                                MembershipView& membership);
  ~StandardDispatch();
  // As CheckerSet::on_event: applies `event` to the shared views; then, if some checker's deadline passed,
  // hands it to every checker as the generic dispatch does (observe_due); else to every checker that reads
  // its kind, in the set's order. False with `out` set at the first violation.
  // Inline: one indirect call per event, to the function for its kind (CheckerSet::on_event's tail call).
  bool dispatch(const sim::TraceEvent& event, std::optional<Violation>& out) {
    const auto kind = static_cast<std::size_t>(event.kind);
    RAFTSIM_ASSERT(kind < static_cast<std::size_t>(sim::kEventKindCount));
    return by_kind_[kind](*impl_, event, out);
  }
  // Whether every standard checker is in the set (make_default_checkers with no checker disabled): its
  // functions per kind then test no checker for presence (for tests).
  bool full() const;

  struct Impl;

 private:
  using Fn = bool (*)(Impl&, const sim::TraceEvent&, std::optional<Violation>&);
  StandardDispatch(std::unique_ptr<Impl> impl, const Fn* by_kind);
  std::unique_ptr<Impl> impl_;
  const Fn* by_kind_;  // sim::kEventKindCount functions, one per kind
};

// Hands `event` to each of `checkers` (in the set's order) that reads its kind (`kinds`, one per checker) or
// whose deadline passed; false with `out` set at the first violation. The path of both of CheckerSet's
// dispatches once a deadline passed (checker.cpp).
bool observe_due(const std::vector<Checker*>& checkers, const std::vector<KindMask>& kinds,
                 const sim::TraceEvent& event, std::optional<Violation>& out);

}  // namespace checkers
