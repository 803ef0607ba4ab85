// Checkers read the canonical event stream (sim/trace_event.h) and nothing else, so they work the same
// on a live simulation and on a trace replayed from a file, for any Raft implementation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace.h"
#include "sim/trace_event.h"

namespace checkers {

// A set of event kinds, one bit per sim::EventKind.
using KindMask = std::uint64_t;
static_assert(sim::kEventKindCount <= 64, "KindMask holds one bit per event kind");
constexpr KindMask kind_bit(sim::EventKind kind) { return KindMask{1} << static_cast<unsigned>(kind); }
inline constexpr KindMask kAllKinds = ~KindMask{0};
// The kinds that change a LogMirror (checkers/log_mirror.h).
inline constexpr KindMask kLogMirrorKinds =
    kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::restart) | kind_bit(sim::EventKind::log_truncate) |
    kind_bit(sim::EventKind::log_append) |
    kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::snapshot_installed) |
    kind_bit(sim::EventKind::snapshot_restored);

enum class Severity : std::uint8_t { safety, liveness };

struct Violation {
  std::string checker;
  Severity severity = Severity::safety;
  std::int64_t time_us = 0;
  std::vector<std::int32_t> nodes;
  std::string message;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual const char* name() const = 0;
  // Sees every event in order. Returns a violation the first time the property breaks.
  virtual std::optional<Violation> observe(const sim::TraceEvent& event) = 0;
  // The event kinds observe() can act on. CheckerSet hands a checker only events of these kinds (a speed-up:
  // a checker must come to the same verdict, at the same event, as when it observes every event), so a
  // checker states a narrower set only if observe() returns at once, changing nothing, for every other kind.
  virtual KindMask kinds() const { return kAllKinds; }
  // A checker with a deadline (whatever the event, the first one past a time decides): true if it keeps
  // due_after_us() current, so that CheckerSet can hand it narrower kinds() plus the first event of any kind
  // after that time, with the same verdict at the same event as when it observes every event.
  virtual bool has_deadline() const { return false; }
  std::int64_t due_after_us() const { return due_after_us_; }
  // Called once when the stream ends (for properties about the whole run, such as liveness).
  virtual std::optional<Violation> finish(std::int64_t end_time_us) {
    (void)end_time_us;
    return std::nullopt;
  }
  // The names its violations carry (and that can be disabled): its own name, unless it checks several rules.
  virtual std::vector<std::string> rule_names() const { return {name()}; }
  // Switches one of several rules off; false if it has no such rule (a single-rule checker is dropped instead).
  virtual bool disable_rule(const std::string& rule) {
    (void)rule;
    return false;
  }

 protected:
  // See has_deadline(): an event later than this must reach observe() whatever its kind (none: the maximum).
  std::int64_t due_after_us_ = INT64_MAX;
};

// Runs every checker on every event; the first violation stops the run.
class LogMirror;
class MembershipView;
class StandardDispatch;

class CheckerSet final : public sim::TraceSink {
 public:
  CheckerSet();
  ~CheckerSet() override;
  CheckerSet(CheckerSet&&) noexcept;
  CheckerSet& operator=(CheckerSet&&) noexcept;

  // Before the first event (the shared views are kept only while the set has a checker).
  void add(std::unique_ptr<Checker> checker);
  // The log mirror the set applies once per event, before its checkers see it; checkers built with it read
  // it instead of keeping their own (checkers/log_mirror.h). Lives as long as the set.
  const LogMirror& shared_mirror() const { return *mirror_; }
  // Likewise the configuration view (checkers/membership_view.h), which sees every event.
  const MembershipView& shared_membership() const { return *membership_; }
  bool on_event(const sim::TraceEvent& event) override;
  void finish(std::int64_t end_time_us);

  const std::optional<Violation>& violation() const { return violation_; }
  std::vector<std::string> names() const;
  // Whether events reach the checkers through StandardDispatch (no virtual calls; for tests).
  bool dispatches_directly() const { return standard_ != nullptr; }
  // Whether it does so with every standard checker in the set (no presence tests; for tests).
  bool dispatches_full() const;

 private:
  std::unique_ptr<LogMirror> mirror_;
  std::unique_ptr<MembershipView> membership_;
  std::vector<std::unique_ptr<Checker>> checkers_;
  // Per event kind, the checkers that observe it, in the order of checkers_ (so the first violation
  // reported at an event is the same as when every checker sees every event).
  std::vector<std::vector<Checker*>> by_kind_ = std::vector<std::vector<Checker*>>(sim::kEventKindCount);
  // The checkers with a deadline (has_deadline()), and each checker's kinds (in the order of checkers_).
  std::vector<Checker*> timed_;
  std::vector<KindMask> kinds_;
  std::vector<Checker*> order_;  // checkers_ without ownership (observe_due's)
  // The same dispatch without virtual calls, while every checker is one of the standard ones in their
  // order (checkers/standard_dispatch.h); null otherwise.
  std::unique_ptr<StandardDispatch> standard_;
  [[gnu::noinline]] bool on_event_generic(const sim::TraceEvent& event);  // any set: virtual calls
  std::optional<Violation> violation_;
};

// The standard set: every safety checker, then durability and liveness (judged at the end), minus the
// checkers named in `disabled` (a known finding muted so that a run can look for others).
CheckerSet make_default_checkers(const std::vector<std::string>& disabled = {});
// The names of the standard set, in order.
std::vector<std::string> default_checker_names();

}  // namespace checkers
