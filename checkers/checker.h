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
};

// Runs every checker on every event; the first violation stops the run.
class CheckerSet final : public sim::TraceSink {
 public:
  void add(std::unique_ptr<Checker> checker);
  bool on_event(const sim::TraceEvent& event) override;
  void finish(std::int64_t end_time_us);

  const std::optional<Violation>& violation() const { return violation_; }
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<Checker>> checkers_;
  std::optional<Violation> violation_;
};

// The standard set: every safety checker, then durability and liveness (judged at the end), minus the
// checkers named in `disabled` (a known finding muted so that a run can look for others).
CheckerSet make_default_checkers(const std::vector<std::string>& disabled = {});
// The names of the standard set, in order.
std::vector<std::string> default_checker_names();

}  // namespace checkers
