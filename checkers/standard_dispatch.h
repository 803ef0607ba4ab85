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
  // otherwise nullptr (the set dispatches generically). `timed` are those with a deadline; the views are
  // the set's, which dispatch() applies.
  static std::unique_ptr<StandardDispatch> make(const std::vector<std::unique_ptr<Checker>>& checkers,
                                                const std::vector<Checker*>& timed, LogMirror& mirror,
                                                MembershipView& membership);
  ~StandardDispatch();
  enum class Result : std::uint8_t { pass, violation, due };
  // As CheckerSet::on_event: applies `event` to the shared views; then `due` if some checker's deadline
  // passed (the set hands the event to every checker, as its generic dispatch does); else hands it to
  // every checker that reads its kind, in the set's order, and returns `violation` with `out` set at the
  // first violation.
  // Inline: one indirect call per event, to the function for its kind.
  Result dispatch(const sim::TraceEvent& event, std::optional<Violation>& out) {
    const auto kind = static_cast<std::size_t>(event.kind);
    RAFTSIM_ASSERT(kind < static_cast<std::size_t>(sim::kEventKindCount));
    return by_kind_[kind](*impl_, event, out);
  }

  struct Impl;

 private:
  using Fn = Result (*)(Impl&, const sim::TraceEvent&, std::optional<Violation>&);
  explicit StandardDispatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  const Fn* by_kind_;  // sim::kEventKindCount functions, one per kind
};

}  // namespace checkers
