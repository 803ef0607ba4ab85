// Hand-made event streams for checker tests: a compact event literal and a feeder that returns the
// first violation.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>

#include "checkers/checker.h"

namespace checker_test {

struct Ev {
  sim::EventKind kind;
  std::int32_t node;
  std::uint64_t a = 0, b = 0, c = 0;
  std::int32_t peer = -1;
  std::uint32_t incarnation = 1;
  std::uint16_t label = 0;  // message kind, timer slot
  std::int64_t at_us = -1;  // the event's time (-1: 10 us after the previous one)
};

// The trace event `ev` stands for; `t` is the previous event's time, advanced to this one's.
inline sim::TraceEvent to_event(const Ev& ev, std::int64_t& t) {
  sim::TraceEvent e;
  t = ev.at_us >= 0 ? ev.at_us : t + 10;
  e.time_us = t;
  e.label = ev.label;
  e.kind = ev.kind;
  e.node = ev.node;
  e.peer = ev.peer;
  e.incarnation = ev.incarnation;
  e.a = ev.a;
  e.b = ev.b;
  e.c = ev.c;
  return e;
}

// Feeds events at increasing times (10 us apart, from the start for each call); returns the first violation.
inline std::optional<checkers::Violation> feed(checkers::Checker& checker, std::initializer_list<Ev> events) {
  std::int64_t t = 0;
  for (const Ev& ev : events) {
    if (auto v = checker.observe(to_event(ev, t))) return v;
  }
  return std::nullopt;
}

}  // namespace checker_test
