// Strong integer types: a Term cannot be passed where a LogIndex is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace base {

// `Tag` makes each instantiation a distinct type; `Rep` is the integer it wraps.
// Only the operations that make sense for counters and ids are provided; arithmetic
// between two different strong types does not compile.
template <typename Tag, typename Rep = std::uint64_t>
struct Strong {
  using rep = Rep;
  Rep value{};

  constexpr Strong() = default;
  constexpr explicit Strong(Rep v) : value(v) {}

  constexpr auto operator<=>(const Strong&) const = default;

  constexpr Strong next() const { return Strong(value + 1); }
  constexpr Strong prev() const { return Strong(value - 1); }
  constexpr Strong& operator++() {
    ++value;
    return *this;
  }
  friend constexpr Strong operator+(Strong a, Rep b) { return Strong(a.value + b); }
  friend constexpr Strong operator-(Strong a, Rep b) { return Strong(a.value - b); }
};

}  // namespace base

template <typename Tag, typename Rep>
struct std::hash<base::Strong<Tag, Rep>> {
  std::size_t operator()(base::Strong<Tag, Rep> s) const noexcept { return std::hash<Rep>{}(s.value); }
};
