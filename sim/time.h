// Virtual time. The simulator's clock is an integer count of microseconds that jumps from event to event;
// nothing in a simulation ever reads the wall clock.
#pragma once

#include <compare>
#include <cstdint>

namespace sim {

struct Duration {
  std::int64_t us = 0;

  static constexpr Duration micros(std::int64_t v) { return Duration{v}; }
  static constexpr Duration millis(std::int64_t v) { return Duration{v * 1000}; }
  constexpr auto operator<=>(const Duration&) const = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return Duration{a.us + b.us}; }
  friend constexpr Duration operator-(Duration a, Duration b) { return Duration{a.us - b.us}; }
  friend constexpr Duration operator*(Duration a, std::int64_t k) { return Duration{a.us * k}; }
};

// Microseconds as (fractional) milliseconds, for messages and reports.
constexpr double us_to_ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

// Microseconds since the simulation started.
struct Time {
  std::int64_t us = 0;

  constexpr auto operator<=>(const Time&) const = default;
  friend constexpr Time operator+(Time t, Duration d) { return Time{t.us + d.us}; }
  friend constexpr Time operator-(Time t, Duration d) { return Time{t.us - d.us}; }
  friend constexpr Duration operator-(Time a, Time b) { return Duration{a.us - b.us}; }
};

}  // namespace sim
